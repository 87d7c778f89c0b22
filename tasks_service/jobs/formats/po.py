"""Gettext PO/POT files: untranslated and fuzzy messages become units; answers become msgstr lines.

polib parses the file but gives no offsets, so a line scanner that reads lines the way polib does
finds each entry's msgstr block; every block is checked against polib's reading before its span
is trusted. Assembly rewrites only those spans (and the header), so the rest stays byte-exact.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import polib

from tasks_service.jobs.formats.base import (
    AssembleOptions,
    FormatError,
    Piece,
    Split,
    SplitOptions,
    Unit,
)
from tasks_service.jobs.formats.placeholders import find_placeholders
from tasks_service.jobs.formats.plurals import language_code, parse_plural_forms, plural_meta
from tasks_service.jobs.formats.spans import has_text, locator_span, read_text, replace_spans

Edit = tuple[int, int, str]

_PLURAL_INDEX = re.compile(r"msgstr\[([0-9]+)\]")
_CHARSET = re.compile(r"charset\s*=\s*([^\s;]+)", re.IGNORECASE)
_ACCEPTED_CHARSETS = frozenset({"utf-8", "utf8", "ascii", "us-ascii", "charset"})
_NEWLINE = re.compile(r"\r\n|\r|\n")
# Characters polib (str.splitlines) breaks lines at but polib.escape leaves alone.
_UNWRITABLE = str.maketrans(dict.fromkeys("\x1c\x1d\x1e\x85\u2028\u2029", "\n") | {"\x00": None})


@dataclass(slots=True)
class _Block:
    """A non-obsolete entry as the scanner sees it: its msgid and where its msgstr lines are."""

    line: int
    msgid: str
    start: int
    end: int
    fuzzy: tuple[int, int] | None
    msgstr: str | dict[int, str]

    def add(self, line: str, value: str, end: int) -> None:
        """Extend the msgstr with a ``msgstr``, ``msgstr[n]`` or continuation line."""
        self.end, index = end, _PLURAL_INDEX.match(line)
        if isinstance(self.msgstr, str):
            self.msgstr += value  # a stray msgstr[n] here makes the check against polib fail
        elif index:
            self.msgstr[int(index.group(1))] = value
        else:
            self.msgstr[max(self.msgstr)] += value


class PoFormat:
    """One unit per untranslated or fuzzy message; translated and obsolete ones stay as they are."""

    name = "po"
    extensions: tuple[str, ...] = (".po", ".pot")
    kinds: tuple[str, ...] = ("translate",)
    adds_answer_column = False
    media_type = "text/x-gettext-translation; charset=utf-8"

    def split(self, data: bytes, options: SplitOptions) -> Split:
        text = read_text(data)
        if not has_text(text):
            raise FormatError("the PO file is empty")
        pairs, metadata = _read(text)
        target = options.target_language or metadata.get("Language")
        meta = plural_meta(metadata.get("Plural-Forms", ""), target)
        todo = [(block, entry) for block, entry in pairs if entry.msgid and not entry.translated()]
        if not todo:
            raise FormatError("the PO file has no message to translate")
        return Split(meta=meta, units=(_unit(block, entry) for block, entry in todo))

    def assemble(
        self, data: bytes, meta: dict[str, Any], pieces: Iterable[Piece], options: AssembleOptions
    ) -> bytes:
        answered = [piece for piece in pieces if piece.answer is not None]
        if not answered:
            return data
        text = read_text(data)
        newline = m.group() if (m := _NEWLINE.search(text)) else "\n"
        edits = [edit for piece in answered for edit in _answer_edits(text, piece, meta, newline)]
        edits += _header_edits(text, meta, options, newline)
        return replace_spans(text, edits).encode("utf-8")


def _read(text: str) -> tuple[list[tuple[_Block, polib.POEntry]], dict[str, str]]:
    """Parse with polib and pair each non-obsolete entry with its scanned block."""
    if not _NEWLINE.search(text):  # polib.pofile reads a one-line string naming a file as a path
        raise FormatError("the PO file has no message to translate")
    try:
        po = polib.pofile(text)
    except (OSError, ValueError) as exc:
        found = re.search(r"line ([0-9]+)", str(exc))
        detail = str(exc).partition("):")[2].strip()
        where = f" at line {found.group(1)}" if found else ""
        raise FormatError(f"PO syntax error{where}" + (f": {detail}" if detail else "")) from None
    charset = _CHARSET.search(po.metadata.get("Content-Type", ""))
    if charset and charset.group(1).lower() not in _ACCEPTED_CHARSETS:
        raise FormatError(
            f"the file declares charset={charset.group(1)}; only UTF-8 PO files are accepted "
            "(convert it with msgconv --to-code=UTF-8)"
        )
    entries = [entry for entry in po if not entry.obsolete]
    blocks = _scan(text)
    header = _header(blocks)
    if header is not None and len(blocks) == len(entries) + 1:
        blocks.remove(header)
    if len(blocks) != len(entries):
        raise FormatError("unsupported PO layout: the messages could not be located in the file")
    seen: dict[tuple[str | None, str], int] = {}
    for block, entry in zip(blocks, entries, strict=True):
        if not _agrees(block, entry):
            raise _layout_error(block)
        line = seen.setdefault((entry.msgctxt, entry.msgid), block.line)
        if line != block.line:
            raise FormatError(
                f"the message {entry.msgid!r} is defined twice (lines {line} and {block.line})"
            )
    return list(zip(blocks, entries, strict=True)), dict(po.metadata)


def _header(blocks: list[_Block]) -> _Block | None:
    """The header entry (the first msgid ""), refused if it has plural msgstr lines."""
    header = next((block for block in blocks if block.msgid == ""), None)
    if header is not None and not isinstance(header.msgstr, str):
        raise _layout_error(header)
    return header


def _layout_error(block: _Block) -> FormatError:
    return FormatError(
        f"unsupported PO layout near line {block.line}; normalise the file with msgcat and "
        "upload it again"
    )


def _agrees(block: _Block, entry: polib.POEntry) -> bool:
    """Whether the scanner read this entry exactly as polib did (a str never equals a dict)."""
    msgstr = entry.msgstr_plural if entry.msgid_plural else entry.msgstr
    return (block.msgid, block.msgstr, bool(block.fuzzy)) == (entry.msgid, msgstr, entry.fuzzy)


def _scan(text: str) -> list[_Block]:
    """Find the msgstr block of every non-obsolete entry, reading lines exactly as polib does."""
    blocks: list[_Block] = []
    block: _Block | None = None
    in_msgid, msgid, fuzzy, offset = False, "", None, 0
    for number, raw in enumerate(text.splitlines(keepends=True), 1):
        line_start, offset = offset, offset + len(raw)
        body = raw.splitlines()[0]
        if number == 1 and body.startswith("\ufeff"):
            body, line_start = body[1:], line_start + 1
        line = body.strip()
        if line in ("", "#:", "#,", "#.") or line.startswith("#~|"):
            continue  # polib skips these without ending the current string
        start, end = line_start + len(body) - len(body.lstrip()), line_start + len(body.rstrip())
        value = polib.unescape(line[line.find('"') + 1 : -1])
        keyword = line.split(None, 1)[0]
        if line.startswith('"') and in_msgid:
            msgid += value
        elif block and (line.startswith('"') or line.startswith("msgstr[")):
            block.add(line, value, end)
        elif line.startswith('"'):
            continue
        else:
            blocks += [block] if block else []
            block, in_msgid = None, keyword == "msgid"
            if keyword == "#~":
                fuzzy = None
            elif keyword == "#," and "fuzzy" in (f.strip() for f in line[2:].split(",")):
                fuzzy = (start, end)
            elif in_msgid:
                msgid = value
            elif keyword == "msgstr" or line.startswith("msgstr["):
                msgstr: str | dict[int, str] = {} if line.startswith("msgstr[") else ""
                block = _Block(number, msgid, start, end, fuzzy, msgstr)
                block.add(line, value, end)
                msgid, fuzzy = "", None
    return blocks + ([block] if block else [])


def _unit(block: _Block, entry: polib.POEntry) -> Unit:
    placeholders = find_placeholders(entry.msgid, entry.flags)
    if entry.msgid_plural:  # each form is checked against msgid_plural, as msgfmt does
        plural = find_placeholders(entry.msgid_plural, entry.flags)
        tokens = {p.token for p in plural}
        placeholders = plural + tuple(p for p in placeholders if p.token not in tokens)
    notes = [f"Context: {entry.msgctxt}"] if entry.msgctxt else []
    notes += [comment for comment in (entry.comment, entry.tcomment) if comment]
    return Unit(
        key=entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}",
        source=entry.msgid,
        locator={
            "start": block.start,
            "end": block.end,
            "fuzzy": list(block.fuzzy) if block.fuzzy else None,
            "plural": isinstance(block.msgstr, dict),
        },
        placeholders=placeholders,
        source_plural=entry.msgid_plural or None,
        note="\n".join(notes) or None,
    )


def _answer_edits(text: str, piece: Piece, meta: dict[str, Any], newline: str) -> list[Edit]:
    start, end = locator_span(piece.locator)
    if not text.startswith("msgstr", start):
        raise FormatError("an answer does not point at a msgstr of this file")
    answer, nplurals = piece.answer, meta.get("nplurals")
    if piece.locator.get("plural") is not True:
        if not isinstance(answer, str):
            raise FormatError("an answer to a singular message must be a string")
        lines = _lines("msgstr", answer)
    elif isinstance(answer, list) and len(answer) == nplurals and _all_str(answer):
        lines = [line for i, form in enumerate(answer) for line in _lines(f"msgstr[{i}]", form)]
    else:
        raise FormatError(f"a plural answer must be a list of {nplurals} strings")
    edits = [(start, end, newline.join(lines))]
    fuzzy = piece.locator.get("fuzzy")
    if fuzzy is not None:
        if not (isinstance(fuzzy, list) and len(fuzzy) == 2):
            raise FormatError(f"invalid locator {piece.locator!r}")
        edits.append(_unfuzzy(text, *locator_span({"start": fuzzy[0], "end": fuzzy[1]})))
    return edits


def _all_str(values: list[Any]) -> bool:
    return all(isinstance(value, str) for value in values)


def _unfuzzy(text: str, start: int, end: int) -> Edit:
    """Drop "fuzzy" from a flags line, or the whole line if it was the only flag."""
    if not text.startswith("#,", start):
        raise FormatError("an answer's fuzzy flag does not point at a flags line of this file")
    flags = [flag.strip() for flag in text[start + 2 : end].split(",")]
    kept = [flag for flag in flags if flag and flag != "fuzzy"]
    if kept:
        return start, end, "#, " + ", ".join(kept)
    newline = _NEWLINE.match(text, end)
    return start, newline.end() if newline else end, ""


def _lines(keyword: str, value: str) -> list[str]:
    """``keyword "value"``, or gettext's multi-line layout when a line break is inside."""
    value = value.translate(_UNWRITABLE)
    if "\n" not in value[:-1]:
        return [f'{keyword} "{polib.escape(value)}"']
    parts = [part + "\n" for part in value.split("\n")]
    parts[-1] = parts[-1][:-1]
    return [f'{keyword} ""', *(f'"{polib.escape(part)}"' for part in parts if part)]


def _header_edits(
    text: str, meta: dict[str, Any], options: AssembleOptions, newline: str
) -> list[Edit]:
    """Fill in the header fields the answers need, and credit the volunteers in a comment."""
    header = _header(_scan(text))
    current = [line for line in str(header.msgstr if header else "").split("\n") if line]
    fields = _header_fields(current, meta, options)
    msgstr = newline.join(_lines("msgstr", "".join(f"{field}\n" for field in fields)))
    top = int(text.startswith("\ufeff"))  # the header's comments open the file
    names = [" ".join(name.split()) for name in options.credits if name.strip()]
    edits = [(top, top, f"# Translators: {', '.join(names)}{newline}")] if names else []
    if header is None:
        edits.append((top, top, f'msgid ""{newline}{msgstr}{newline}{newline}'))
    elif fields != current:
        edits.append((header.start, header.end, msgstr))
    return edits


def _header_fields(current: list[str], meta: dict[str, Any], options: AssembleOptions) -> list[str]:
    """The header lines in their order, with Language, Plural-Forms and charset filled in."""
    fields = list(current)

    def put(name: str, value: str, replace: bool) -> None:
        for i, field in enumerate(fields):
            key, _, old = field.partition(":")
            if key.strip().lower() == name.lower():
                fields[i] = f"{name}: {value}" if replace or not old.strip() else field
                return
        fields.append(f"{name}: {value}")

    if options.target_language:
        put("Language", language_code(options.target_language) or "", replace=False)
    wanted = (meta["nplurals"], meta["plural_expr"])
    old = next((f for f in fields if f.lower().startswith("plural-forms:")), "")
    replace = parse_plural_forms(old.partition(":")[2]) != wanted
    put("Plural-Forms", "nplurals={}; plural={};".format(*wanted), replace=replace)
    put("Content-Type", "text/plain; charset=UTF-8", replace=False)
    return [re.sub(r"charset=CHARSET\b", "charset=UTF-8", field) for field in fields]


PO = PoFormat()
