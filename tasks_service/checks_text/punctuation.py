"""``end_punctuation``: a sentence in the source ends as a sentence in the translation.

A full stop, question mark or colon lost at the end of a translation (or one added to a label
or a title that had none) shows in the finished document as a sentence that runs on or a
heading that reads like prose, and it often means the end of the text was cut off.
"""

from __future__ import annotations

from tasks_service.checks_text.common import language, sources, texts
from tasks_service.db import models as m
from tasks_service.jobs.formats import Answer, markup

# General (with the ellipsis and doubled marks), CJK ideographic and full-width, Arabic
# question mark and Urdu full stop, Devanagari danda, Armenian, Ethiopic, Burmese and Tibetan
# full stops, and the Greek question mark (";" serves as one too).
SENTENCE_END = frozenset(
    ".!?:;\u2026\u203c\u2047\u2048\u2049"
    "\u3002\uff01\uff1f\uff1a\uff1b\uff0e\uff61"
    "\u061f\u06d4\u0964\u0965\u0589\u1362\u1367\u104b\u0f0d\u037e"
)
# What may close a sentence after its punctuation: quotes and emphasis marks. Not brackets:
# the full stop in "(Latin-9 only, alt.)" ends an abbreviation, not the sentence.
_CLOSERS = "\"'*_`\u201d\u2019\u00bb\u203a\u300d\u300f\u300b"
# Scripts that end sentences with a space, or nothing, rather than a mark.
_NO_MARK = frozenset({"th", "lo", "km"})


def ends_sentence(text: str) -> bool:
    """Whether ``text`` ends with sentence punctuation, looking past closing quotes and tags."""
    text = markup.TOKEN.sub("", text).rstrip()
    text = text.rstrip(_CLOSERS + " \t\n\u00a0\u202f")
    return text[-1:] in SENTENCE_END


def end_punctuation(task: m.Task, job: m.Job, answer: Answer) -> list[str]:
    """Answer forms that end with sentence punctuation where the source does not, or the reverse.

    A plural form may follow either source, since the two can end differently.
    """
    if job.kind != "translate" or language(job.target_language) in _NO_MARK:
        return []
    ending = {ends_sentence(source) for source in sources(task)}
    problems: list[str] = []
    for text in texts(answer):
        if ends_sentence(text) in ending:
            continue
        if True in ending:
            problems.append("the source ends with sentence punctuation but the answer does not")
        else:
            problems.append("the answer ends with sentence punctuation but the source does not")
    return list(dict.fromkeys(problems))
