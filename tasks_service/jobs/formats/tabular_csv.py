"""CSV reading and writing for the label format: the dialect is guessed once and kept in meta.

``csv.Sniffer`` guesses wrong on about one table in ten (a delimiter that happens to be frequent
inside quoted text), so its guess is checked: a reading under which an early record is wider
than the header is discarded, and the remaining reading with the most columns wins among the
sniffed dialect and the common delimiters, the sniffer's own guess on a tie. A file read as one
column shows no delimiter at all, so it is read as comma-separated unless that fails.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain, islice
from typing import TYPE_CHECKING, Any

from tasks_service.jobs.formats.base import FormatError

if TYPE_CHECKING:
    from _csv import Reader

_SAMPLE = 8192
_CHECKED = 50
_DELIMITERS = ",;\t|"
_EXCEL = (",", '"')
# Formatting rows with both line-break characters as the terminator makes the writer quote any
# field holding either of them; the file's own terminator replaces it afterwards.
_QUOTING_TERMINATOR = "\r\n"

Record = tuple[int, list[str]]  # the line a record starts on, and its fields


@dataclass(frozen=True, slots=True)
class Dialect:
    """What the answer file must share with the upload: separators, quoting and line breaks."""

    delimiter: str
    quotechar: str
    quote_all: bool
    newline: str

    def meta(self) -> dict[str, Any]:
        return {
            "delimiter": self.delimiter,
            "quotechar": self.quotechar,
            "quote_all": self.quote_all,
            "newline": self.newline,
        }

    @classmethod
    def from_meta(cls, meta: dict[str, Any]) -> Dialect:
        """The dialect split found, checked, since meta comes back from storage."""
        delimiter, quotechar = meta.get("delimiter"), meta.get("quotechar")
        quote_all, newline = meta.get("quote_all"), meta.get("newline")
        if not (
            isinstance(delimiter, str)
            and isinstance(quotechar, str)
            and len(delimiter) == len(quotechar) == 1
            and isinstance(quote_all, bool)
            and newline in ("\r\n", "\n", "\r")
        ):
            raise FormatError(f"invalid CSV meta {meta!r}")
        return cls(delimiter, quotechar, quote_all, newline)

    def write(self, rows: Iterable[list[str]]) -> str:
        out = io.StringIO()
        writer = csv.writer(
            out,
            delimiter=self.delimiter,
            quotechar=self.quotechar,
            quoting=csv.QUOTE_ALL if self.quote_all else csv.QUOTE_MINIMAL,
            lineterminator=_QUOTING_TERMINATOR,
        )
        lines = []
        for fields in rows:
            writer.writerow(fields)
            lines.append(out.getvalue().removesuffix(_QUOTING_TERMINATOR) + self.newline)
            out.seek(0)
            out.truncate()
        return "".join(lines)


def sniff(text: str) -> Dialect:
    """The dialect of ``text`` (without BOM): sniffed and checked, else the excel default."""
    delimiter, quotechar = _separators(text)
    first_line = next(iter(io.StringIO(text, newline="")), "")
    newline = next((end for end in ("\r\n", "\n", "\r") if first_line.endswith(end)), "\r\n")
    return Dialect(delimiter, quotechar, _quotes_all(text, delimiter, quotechar, newline), newline)


def _separators(text: str) -> tuple[str, str]:
    guesses = [(delimiter, '"') for delimiter in _DELIMITERS]
    try:
        sniffed = csv.Sniffer().sniff(text[:_SAMPLE], delimiters=_DELIMITERS)
        guesses.insert(0, (sniffed.delimiter, sniffed.quotechar or '"'))
    except csv.Error:
        pass
    widths = {guess: _consistent_width(text, *guess) for guess in guesses}
    best = max(widths, key=widths.__getitem__)
    if widths[best] <= 1:  # one column shows no delimiter: read it as excel does, if it can
        return _EXCEL if widths[_EXCEL] == 1 else guesses[0]
    return best


def _consistent_width(text: str, delimiter: str, quotechar: str) -> int:
    """The header's width if no early record is wider under this reading (shorter is padded)."""
    try:
        widths = [len(fields) for _, fields in islice(_read(text, delimiter, quotechar), _CHECKED)]
    except FormatError:
        return 0
    return widths[0] if widths and max(widths) == widths[0] else 0


def _quotes_all(text: str, delimiter: str, quotechar: str, newline: str) -> bool:
    """Whether the header row has every field quoted, as ``QUOTE_ALL`` would write it."""
    reader = _reader(text, delimiter, quotechar)
    try:
        header = next(reader, None)
    except csv.Error:
        return False  # reported with its line when the rows are read
    raw = "".join(islice(io.StringIO(text, newline=""), reader.line_num))
    return header is not None and raw == Dialect(delimiter, quotechar, True, newline).write(
        [header]
    )


def table(text: str, dialect: Dialect) -> tuple[list[str], Iterator[Record]]:
    """The header row as written and the data records, each padded to the header's width.

    Column names are compared without their surrounding spaces, as the template uses them.
    """
    records = _read(text, dialect.delimiter, dialect.quotechar)
    first = next(records, None)
    if first is None:
        raise FormatError("the file is empty")
    header = first[1]
    names = [name.strip() for name in header]
    for number, name in enumerate(names, 1):
        if not name:
            raise FormatError(f"column {number} of the header row has no name")
        if names.index(name) != number - 1:
            raise FormatError(f"the header row names the column {name!r} twice")
    if "answer" in names:
        raise FormatError('the file has a column "answer"; rename it, the result adds one')
    rows = _checked(records, len(names))
    row = next(rows, None)
    if row is None:
        raise FormatError("the file has a header row but no data rows")
    return header, chain([row], rows)


def _checked(records: Iterator[Record], width: int) -> Iterator[Record]:
    for line, fields in records:
        if len(fields) > width:
            raise FormatError(
                f"the row at line {line} has {len(fields)} fields but the header has {width}"
            )
        yield line, fields + [""] * (width - len(fields))


def _read(text: str, delimiter: str, quotechar: str) -> Iterator[Record]:
    """The non-blank records of ``text`` with the line each starts on."""
    reader = _reader(text, delimiter, quotechar)
    start = 1
    while True:
        try:
            fields = next(reader, None)
        except csv.Error as exc:
            raise FormatError(f"CSV syntax error in the row at line {start}: {exc}") from None
        if fields is None:
            return
        if fields:
            yield start, fields
        start = reader.line_num + 1


def _reader(text: str, delimiter: str, quotechar: str) -> Reader:
    # newline="" keeps line breaks inside quoted fields as they are, as the csv module requires.
    lines = io.StringIO(text, newline="")
    return csv.reader(lines, delimiter=delimiter, quotechar=quotechar, strict=True)
