"""Inline Markdown of one block as spans: readable text, line breaks, and markup with offsets.

markdown-it's inline tokens carry no offsets, so they are walked along the block's text: a
token's extent there is its markup, or is found by running the markdown-it rule that made it
again, silently, at the same place. Escapes and entities are shown as the characters they stand
for (answers are escaped again at assembly); the rest of the markup keeps its original text.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from itertools import accumulate
from typing import Any, Literal

from markdown_it.rules_inline import StateInline, autolink, backtick, html_inline, image, link
from markdown_it.token import Token

from tasks_service.jobs.formats.markdown_blocks import PARSER, Block, unsupported
from tasks_service.jobs.formats.markup import TOKEN

Role = Literal["text", "atom", "break", "open", "close", "alone"]
Rule = Callable[[StateInline, bool], bool]
_STANDALONE: dict[str, Rule] = {"image": image, "code_inline": backtick, "html_inline": html_inline}
_PAIRED = frozenset({"em_open", "em_close", "strong_open", "strong_close"})
_INVISIBLE = frozenset({"Cc", "Cf", "Zl", "Zp"})


@dataclass(frozen=True, slots=True)
class Span:
    """A piece of a block: the text a volunteer reads, or for markup the markup itself.

    ``start``/``end`` are offsets in the upload. A ``text`` span maps one to one onto it; an
    ``atom`` (escape, entity) shows a character for a longer original; a ``break`` is a line
    break with the container prefix after it; the other roles are markup tokens.
    """

    text: str
    start: int
    end: int
    role: Role


def spans(document: str, block: Block, references: dict[str, Any]) -> list[Span]:
    return _protected(_Walk(document, block, references).run(), document)


def _protected(block_spans: list[Span], document: str) -> list[Span]:
    """Text that reads like a tag (``<1>``, maybe made of an escape and letters) becomes a
    token: a volunteer could not keep a tag that the unit does not have."""
    out: list[Span] = []
    run: list[Span] = []
    for span in [*block_spans, None]:
        if span is not None and span.role in ("text", "atom"):
            run.append(span)
            continue
        out += _protected_run(run, document)
        out += [span] if span else []
        run = []
    return out


def _protected_run(run: list[Span], document: str) -> list[Span]:
    visible = "".join(span.text for span in run)
    starts = list(accumulate((len(span.text) for span in run), initial=0))
    out: list[Span] = []
    done = 0
    for m in TOKEN.finditer(visible):
        first = bisect_right(starts, m.start()) - 1
        last = bisect_right(starts, m.end() - 1) - 1
        begin = starts[first] if run[first].role == "atom" else m.start()
        end = starts[last + 1] if run[last].role == "atom" else m.end()
        if begin < done:
            continue
        out += _cut(run, starts, done, begin)
        upload = run[first].start + (begin - starts[first])
        stop = run[last].end if run[last].role == "atom" else run[last].start + end - starts[last]
        out.append(Span(document[upload:stop], upload, stop, "alone"))
        done = end
    return out + _cut(run, starts, done, len(visible))


def _cut(run: list[Span], starts: list[int], begin: int, end: int) -> list[Span]:
    """The spans of ``run`` between two visible positions, text spans cut to fit."""
    out = []
    for span, start, stop in zip(run, starts, starts[1:], strict=False):
        low, high = max(begin, start) - start, min(end, stop) - start
        if low >= high:
            continue
        if span.role == "atom" or (low, high) == (0, len(span.text)):
            out.append(span)
        else:
            out.append(Span(span.text[low:high], span.start + low, span.start + high, "text"))
    return out


class _Walk:
    def __init__(self, document: str, block: Block, references: dict[str, Any]) -> None:
        env = {"references": references}
        self.document, self.block, self.raw = document, block, block.text
        self.tokens: list[Token] = PARSER.inline.parse(self.raw, PARSER, env, [])
        self.probe = StateInline(self.raw, PARSER, env, [])
        self.starts = [segment[0] for segment in block.segments]
        self.position = 0
        self.out: list[Span] = []
        self.links: list[tuple[int, int, int]] = []  # label start, label end, link end
        self.emphasis = -1  # where the last emphasis token ended
        self.held: int | None = None  # where a run's part held for the next emphasis begins

    def run(self) -> list[Span]:
        autolinked = False
        for token in self.tokens:
            if autolinked:
                autolinked = token.type != "link_close"
            elif token.type == "link_open" and token.markup == "autolink":
                self.markup(self.rerun(autolink), "alone")
                autolinked = True
            else:
                self.step(token)
        if self.position != len(self.raw) or self.links:
            raise self.error()
        return self.out

    def step(self, token: Token) -> None:
        kind, at = token.type, self.position
        if kind == "text":
            self.expect(token.content)
            self.literal(at, at + len(token.content))
        elif kind == "text_special":
            self.expect(token.markup)
            invisible = any(unicodedata.category(c) in _INVISIBLE for c in token.content)
            if invisible:  # a line break or a control character would be lost as text
                self.markup(at + len(token.markup), "alone")
            else:
                self.add(token.content, at, at + len(token.markup), "atom")
        elif kind in ("softbreak", "hardbreak"):
            newline = self.raw.find("\n", at)
            if newline < 0 or self.raw[at:newline].strip(" \\"):
                raise self.error()
            if kind == "hardbreak":
                self.markup(newline, "alone")
            self.add("\n", self.position, newline + 1, "break")
        elif kind in _PAIRED:
            self.expect(token.markup)
            start, self.held = self.held, None
            self.markup(at + len(token.markup), "open" if token.nesting == 1 else "close", start)
            self.emphasis = self.position
        elif kind == "link_open":
            end = self.rerun(link)
            self.probe.posMax = len(self.raw)
            label_end = PARSER.helpers.parseLinkLabel(self.probe, at, True)
            self.links.append((at + 1, label_end, end))
            self.markup(at + 1, "open")
        elif kind == "link_close":
            self.close_link()
        elif kind in _STANDALONE:
            self.markup(self.rerun(_STANDALONE[kind]), "alone")
        else:
            raise self.error()

    def close_link(self) -> None:
        """The closing token holds the destination (URL, title, reference), never shown.

        A shortcut or collapsed reference (``[text]``, ``[text][]``) gets its label spelled out,
        since its label is the link text and a translated text would no longer match it.
        """
        label_start, label_end, end = self.links.pop()
        if self.position != label_end:
            raise self.error()
        start, stop = self.offset(label_end), self.offset(end)
        markup = self.document[start:stop]
        if self.raw[label_end:end] in ("]", "][]"):
            markup = f"][{self.document[self.offset(label_start) : start]}]"
        self.out.append(Span(markup, start, stop, "close"))
        self.position = end

    def rerun(self, rule: Rule) -> int:
        """Where the construct at the current position ends, as markdown-it's own rule finds."""
        self.probe.pos, self.probe.posMax = self.position, len(self.raw)
        if not rule(self.probe, True) or self.probe.pos <= self.position:
            raise self.error()
        return self.probe.pos

    def expect(self, markup: str) -> None:
        if not self.raw.startswith(markup, self.position):
            raise self.error()

    def text(self, start: int, end: int) -> None:
        """Literal text, split where it crosses segments."""
        while start < end:
            index = bisect_right(self.starts, start) - 1
            raw_start, offset, length = self.block.segments[index]
            stop = min(end, raw_start + length)
            if stop <= start:
                raise self.error()
            upload = offset + start - raw_start
            self.out.append(Span(self.raw[start:stop], upload, upload + stop - start, "text"))
            start = stop
        self.position = end

    def literal(self, start: int, end: int) -> None:
        """Text; but the unused part of a ``*``/``_`` run that emphasis takes from goes into
        the emphasis token, since the run's length decides what it matches (rule of 3)."""
        if start == end:
            return
        last = self.out[-1] if self.out else None
        if last and start == self.emphasis and self.raw[start:end].startswith(last.text[-1]):
            run = len(self.raw[start:end]) - len(self.raw[start:end].lstrip(last.text[-1]))
            stop = self.offset(start + run)
            self.out[-1] = Span(self.document[last.start : stop], last.start, stop, last.role)
            start += run
        following = self.raw[end : end + 1]
        if following in ("*", "_"):
            self.held = start + len(self.raw[start:end].rstrip(following))
        self.text(start, end if self.held is None else self.held)
        self.position = end

    def markup(self, end: int, role: Role, start: int | None = None) -> None:
        begin = self.position if start is None else start
        first, stop = self.offset(begin), self.offset(end)
        self.add(self.document[first:stop], begin, end, role)

    def add(self, text: str, start: int, end: int, role: Role) -> None:
        self.out.append(Span(text, self.offset(start), self.offset(end), role))
        self.position = end

    def offset(self, position: int) -> int:
        """The upload offset of a position in the block's text; at a seam between two
        segments, the end of the first, so what lies between goes with what follows."""
        index = max(bisect_right(self.starts, position) - 1, 0)
        if index > 0:
            raw_start, offset, length = self.block.segments[index - 1]
            if raw_start + length == position:
                return offset + length
        raw_start, offset, length = self.block.segments[index]
        return offset + min(position - raw_start, length)

    def error(self) -> Exception:
        return unsupported(self.document, self.block.segments[0][1])
