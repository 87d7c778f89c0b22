"""Consensus between redundant answers, the one import point for the settle job.

Free text is grouped by similarity and weighted by author reliability (``consensus_text``);
choices go through Dawid-Skene (``consensus_labels``, standard library only).
"""

from __future__ import annotations

from tasks_service.reviews.consensus_labels import (
    UNKNOWN_RELIABILITY,
    LabelFit,
    LabelPosterior,
    LabelResponse,
    aggregate_labels,
    fit_labels,
    label_decision,
    worker_accuracy,
)
from tasks_service.reviews.consensus_text import (
    SAME_ANSWER,
    TextAnswer,
    TextDecision,
    decide_text,
)

__all__ = [
    "SAME_ANSWER",
    "UNKNOWN_RELIABILITY",
    "LabelFit",
    "LabelPosterior",
    "LabelResponse",
    "TextAnswer",
    "TextDecision",
    "aggregate_labels",
    "decide_text",
    "fit_labels",
    "label_decision",
    "worker_accuracy",
]
