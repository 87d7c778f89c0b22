"""``urls_kept``: web addresses and e-mail addresses come through a translation unchanged.

An address is not text to translate: a translated, re-spelled or dropped one sends readers to
a page or a mailbox that does not exist, and nothing else in the pipeline would notice.
"""

from __future__ import annotations

import re

from tasks_service.checks_text.common import sources, texts
from tasks_service.db import models as m
from tasks_service.jobs.formats import Answer

ADDRESS = re.compile(
    r"\b(?:https?|ftp)://[^\s<>\"'`\u00ab\u00bb\u201c\u201d\u2018\u2019]+"
    r"|\bwww\.[^\s<>\"'`\u00ab\u00bb\u201c\u201d\u2018\u2019]+"
    r"|\bmailto:[^\s<>\"'`\u00ab\u00bb\u201c\u201d\u2018\u2019]+"
    r"|[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"
)
# Sentence punctuation right after an address belongs to the sentence, not to the address.
_TRAILING = ".,;:!?\u3002\u3001\uff0c\uff01\uff1f\uff1a\uff1b"


def addresses(text: str) -> list[str]:
    """URLs and e-mail addresses in ``text``, in order, without the sentence's punctuation.

    A closing bracket ends the address unless the address opened it (as Wikipedia's do).
    """
    found = []
    for match in ADDRESS.finditer(text):
        address = match.group()
        while address and (
            address[-1] in _TRAILING
            or (address[-1] == ")" and address.count(")") > address.count("("))
        ):
            address = address[:-1]
        found.append(address)
    return found


def urls_kept(task: m.Task, job: m.Job, answer: Answer) -> list[str]:
    """Addresses of the source (either source of a plural) missing from an answer form."""
    if job.kind not in ("translate", "proofread"):
        return []
    wanted = list(dict.fromkeys(a for source in sources(task) for a in addresses(source)))
    missing = [a for a in wanted if any(a not in text for text in texts(answer))]
    return [f"the address {address} of the source is missing or changed" for address in missing]
