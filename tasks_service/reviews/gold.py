"""Gold tasks: answers graded against a known answer, measuring volunteers and reviewers.

A gold task is never settled into the result. Each answer is graded (``gold_right`` or
``gold_wrong``, with the known answer in the reason so a newcomer learns from it), a right one
earns a ``gold_right`` ledger entry, and the task goes back to the pool for the next volunteer.
When the job has reviewers, the answer is reviewed like any other first (the reviewer cannot
tell), so the grade also measures the reviewer's verdict.
"""

from __future__ import annotations

import unicodedata

from rapidfuzz.distance import Indel
from sqlalchemy.ext.asyncio import AsyncSession

from tasks_service.checks_text.common import texts
from tasks_service.credit.services import GOLD_SHARE, add_entry, recompute_level
from tasks_service.db import models as m
from tasks_service.jobs.formats import Answer
from tasks_service.reviews.consensus_text import SAME_ANSWER
from tasks_service.settings import Settings


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def matches_gold(job: m.Job, answer: Answer, gold: Answer) -> bool:
    """A label must be the known choice; free text must be as alike as two agreeing answers."""
    given, known = texts(answer), texts(gold)
    if len(given) != len(known):
        return False
    if job.kind == "label":
        return all(_fold(a) == _fold(b) for a, b in zip(given, known, strict=True))
    return all(
        Indel.normalized_similarity(_fold(a), _fold(b)) >= SAME_ANSWER
        for a, b in zip(given, known, strict=True)
    )


async def grade_gold(
    session: AsyncSession,
    settings: Settings,
    task: m.Task,
    job: m.Job,
    pending: list[m.Submission],
    reviewer_ids: set[int],
) -> None:
    """Grade every waiting answer of a gold task, then offer the task to the next volunteers."""
    now = m.utcnow()
    assert task.gold_answer is not None
    gold: Answer = task.gold_answer
    shown = " / ".join(texts(gold))
    for submission in pending:
        right = matches_gold(job, submission.answer, gold)
        submission.status = (
            m.SubmissionStatus.GOLD_RIGHT if right else m.SubmissionStatus.GOLD_WRONG
        )
        submission.reason = None if right else f"a practice task with a known answer: {shown}"
        submission.decided_at = now
        if right:
            amount = max(1, task.words) // GOLD_SHARE
            await add_entry(
                session,
                submission.account_id,
                m.CreditReason.GOLD_RIGHT,
                submission.id,
                job.id,
                amount,
            )
    task.answers -= len(pending)
    task.open_slots += len(pending)
    task.state = m.TaskState.OPEN
    await session.flush()
    for account_id in sorted({s.account_id for s in pending} | reviewer_ids):
        await recompute_level(session, settings, account_id)
