"""Rows to label, from CSV or JSON Lines: one unit per row, answered rows back as the result.

This is the PyBossa/Zooniverse shape of work: the job's template shows a row to the volunteer
("Which animal is in this picture? {image_url}"), a ``gold`` column or key holds known answers
for checking volunteers and is never shown, and the result is the upload's own rows with an
``answer`` column added, so the owner can join it back to their data by position.
"""

from __future__ import annotations

import json
import string
from collections.abc import Iterable, Iterator, Mapping
from itertools import chain
from typing import Any

from tasks_service.jobs.formats import tabular_csv
from tasks_service.jobs.formats.base import (
    AssembleOptions,
    FormatError,
    Piece,
    Split,
    SplitOptions,
    Unit,
)
from tasks_service.jobs.formats.spans import read_text, replace_spans

_BOM = "\ufeff"
_JSON_KINDS = {list: "an array", str: "a string", int: "a number", float: "a number"}
JsonRow = tuple[int, int, int, dict[str, Any]]  # line number, start, end, the object


class CsvFormat:
    """A header row names the columns; each further record is a row to label."""

    name = "csv"
    extensions: tuple[str, ...] = (".csv",)
    kinds: tuple[str, ...] = ("label",)
    adds_answer_column = True
    media_type = "text/csv; charset=utf-8"

    def split(self, data: bytes, options: SplitOptions) -> Split:
        _, text = _without_bom(read_text(data))
        dialect = tabular_csv.sniff(text)
        header, records = tabular_csv.table(text, dialect)
        names = [name.strip() for name in header]
        template = _checked_template(options.template)
        missing = f"the file has no such column (it has: {', '.join(names)})"
        if template:  # a missing column fails the upload, not the first row
            _fill(template, {name: "" for name in names if name != "gold"}, missing)
        units = (
            _unit(index, dict(zip(names, fields, strict=True)), template, missing, {"row": index})
            for index, (_, fields) in enumerate(records)
        )
        return Split(meta=dialect.meta(), units=units)

    def assemble(
        self, data: bytes, meta: dict[str, Any], pieces: Iterable[Piece], options: AssembleOptions
    ) -> bytes:
        dialect = tabular_csv.Dialect.from_meta(meta)
        bom, text = _without_bom(read_text(data))
        header, records = tabular_csv.table(text, dialect)
        rows = [fields for _, fields in records]
        answers = _answers(pieces, [{"row": index} for index in range(len(rows))])
        out = dialect.write(
            chain([[*header, "answer"]], ([*f, answers.get(i, "")] for i, f in enumerate(rows))),
        )
        if not text.endswith(("\n", "\r")):
            out = out.removesuffix(dialect.newline)
        return (bom + out).encode("utf-8")


class JsonlFormat:
    """Each non-blank line is one JSON object, a row to label; its keys are the columns."""

    name = "jsonl"
    extensions: tuple[str, ...] = (".jsonl", ".ndjson")
    kinds: tuple[str, ...] = ("label",)
    adds_answer_column = True
    media_type = "application/jsonl"

    def split(self, data: bytes, options: SplitOptions) -> Split:
        rows = _json_rows(read_text(data))
        first = next(rows, None)
        if first is None:
            raise FormatError("the file is empty")
        template = _checked_template(options.template)
        return Split(
            meta={},
            units=(
                _json_unit(index, row, template) for index, row in enumerate(chain([first], rows))
            ),
        )

    def assemble(
        self, data: bytes, meta: dict[str, Any], pieces: Iterable[Piece], options: AssembleOptions
    ) -> bytes:
        text = read_text(data)
        rows = list(_json_rows(text))
        answers = _answers(pieces, [_json_locator(index, row) for index, row in enumerate(rows)])
        edits = [
            (start, end, _dump({**value, "answer": answers.get(index)}))
            for index, (_, start, end, value) in enumerate(rows)
        ]
        return replace_spans(text, edits).encode("utf-8")


class _Fields(dict[str, str]):
    """A row for ``str.format_map``: a column the template names but the row lacks is an error."""

    def __init__(self, fields: Mapping[str, str], missing: str) -> None:
        super().__init__(fields)
        self.missing = missing

    def __missing__(self, key: str) -> str:
        if key == "gold":
            raise FormatError("the template shows {gold}, the known answer; leave it out")
        raise FormatError(f"the template names {{{key}}} but {self.missing}")


def _checked_template(template: str | None) -> str | None:
    """Plain ``{column}`` fields only: attribute access, indexing or specs could read or pad."""
    if not template:
        return None
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise FormatError(f"the template is malformed: {exc}") from None
    for _, field, spec, conversion in parsed:
        if field is not None and (
            not field.strip() or field.isdigit() or "." in field or "[" in field
        ):
            raise FormatError(f"the template field {{{field}}} must name a column, as in {{text}}")
        if spec or conversion:
            raise FormatError(
                f"the template field {{{field}}} has a format spec or conversion; "
                "use the plain column name"
            )
    return template


def _fill(template: str, fields: Mapping[str, str], missing: str) -> str:
    """The template with the row's values in; only the template is read as a format string."""
    return template.format_map(_Fields(fields, missing))


def _unit(
    index: int, fields: dict[str, str], template: str | None, missing: str, locator: dict[str, Any]
) -> Unit:
    gold = fields.pop("gold", "").strip() or None
    if template:
        source = _fill(template, fields, missing)
    else:
        source = "\n".join(f"{name}: {value}" for name, value in fields.items())
    return Unit(key=f"r{index + 1}", source=source, locator=locator, gold=gold)


def _answers(pieces: Iterable[Piece], locators: list[dict[str, Any]]) -> dict[int, str]:
    """Answers by row index; a piece must carry exactly the locator its row was given."""
    answers: dict[int, str] = {}
    for piece in pieces:
        if piece.answer is None:
            continue
        row = piece.locator.get("row")
        if type(row) is not int or not 0 <= row < len(locators) or piece.locator != locators[row]:
            raise FormatError(f"the answer for {piece.locator!r} does not belong to this file")
        if not isinstance(piece.answer, str):
            raise FormatError("a label answer must be a single string")
        if row in answers:
            raise FormatError(f"row {row + 1} has two answers")
        answers[row] = piece.answer
    return answers


def _without_bom(text: str) -> tuple[str, str]:
    bom = _BOM if text.startswith(_BOM) else ""
    if not text[len(bom) :].strip():
        raise FormatError("the file is empty")
    return bom, text[len(bom) :]


def _json_rows(text: str) -> Iterator[JsonRow]:
    """The objects of the non-blank lines, with each line's span less its line break."""
    start = len(_BOM) if text.startswith(_BOM) else 0
    for number, line in enumerate(text[start:].split("\n"), 1):
        content = line.removesuffix("\r")
        if content.strip(" \t\r"):
            yield number, start, start + len(content), _json_object(content, number)
        start += len(line) + 1


def _json_object(line: str, number: int) -> dict[str, Any]:
    try:
        value = json.loads(line)
    except json.JSONDecodeError as exc:
        raise FormatError(
            f"line {number} is not valid JSON: {exc.msg} (column {exc.colno})"
        ) from None
    except RecursionError:
        raise FormatError(f"line {number} nests too deeply") from None
    if not isinstance(value, dict):
        kind = _JSON_KINDS.get(type(value), "true, false or null")
        raise FormatError(f"line {number} is {kind}, not an object: each line must be one object")
    if "answer" in value:
        raise FormatError(
            f'line {number} already has an "answer" key; rename it, the result adds one'
        )
    return value


def _json_locator(index: int, row: JsonRow) -> dict[str, Any]:
    return {"row": index, "start": row[1], "end": row[2]}


def _json_unit(index: int, row: JsonRow, template: str | None) -> Unit:
    number, value = row[0], row[3]
    fields = {key: _shown(item) for key, item in value.items()}
    gold = value.get("gold")
    if isinstance(gold, list | dict):
        raise FormatError(f"the gold answer on line {number} must be a string")
    return _unit(
        index, fields, template, f"line {number} has no such key", _json_locator(index, row)
    )


def _shown(value: Any) -> str:
    """A JSON value as the volunteer reads it: strings as they are, null as nothing."""
    if isinstance(value, str):
        return value
    return "" if value is None else json.dumps(value, ensure_ascii=False)


def _dump(row: dict[str, Any]) -> str:
    """The row as one line; an unpaired surrogate, which UTF-8 cannot hold, forces escapes."""
    line = json.dumps(row, ensure_ascii=False)
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(row)
    return line


CSV = CsvFormat()
JSONL = JsonlFormat()
