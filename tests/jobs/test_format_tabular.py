"""CSV and JSON Lines label rows: a unit per row, the result the rows with an answer added."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tasks_service.jobs.formats import FormatError, Piece, Unit
from tasks_service.jobs.formats.base import AssembleOptions, Split, SplitOptions
from tasks_service.jobs.formats.tabular import CSV, JSONL, CsvFormat, JsonlFormat

PLAIN = SplitOptions(source_language="en")
ANIMAL = SplitOptions(source_language="en", template="Which animal is in {image_url}?")

Format = CsvFormat | JsonlFormat


def split(fmt: Format, data: bytes, options: SplitOptions = PLAIN) -> tuple[Split, list[Unit]]:
    result = fmt.split(data, options)
    return result, list(result.units)


def assemble(fmt: Format, data: bytes, pieces: list[Piece]) -> bytes:
    meta = fmt.split(data, PLAIN).meta
    return fmt.assemble(data, meta, pieces, AssembleOptions())


def csv_rows(data: bytes, delimiter: str = ",") -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=delimiter))


def test_the_formats_describe_themselves() -> None:
    assert (CSV.name, CSV.extensions, CSV.media_type) == (
        "csv",
        (".csv",),
        "text/csv; charset=utf-8",
    )
    assert (JSONL.name, JSONL.extensions, JSONL.media_type) == (
        "jsonl",
        (".jsonl", ".ndjson"),
        "application/jsonl",
    )
    for fmt in (CSV, JSONL):
        assert fmt.kinds == ("label",)
        assert fmt.adds_answer_column is True


# CSV: units


ANIMALS = b"id,image_url,gold\r\n1,http://x/cat.png,cat\r\n2,http://x/dog.png,\r\n"


def test_csv_one_unit_per_row_with_the_template_filled_in() -> None:
    result, units = split(CSV, ANIMALS, ANIMAL)
    assert [u.key for u in units] == ["r1", "r2"]
    assert [u.locator for u in units] == [{"row": 0}, {"row": 1}]
    assert [u.source for u in units] == [
        "Which animal is in http://x/cat.png?",
        "Which animal is in http://x/dog.png?",
    ]
    assert all(u.placeholders == () and u.note is None for u in units)
    assert result.meta == {
        "delimiter": ",",
        "quotechar": '"',
        "quote_all": False,
        "newline": "\r\n",
    }


def test_csv_gold_column_is_the_known_answer_and_never_shown() -> None:
    _, units = split(CSV, ANIMALS)
    assert [u.gold for u in units] == ["cat", None]
    assert [u.source for u in units] == [
        "id: 1\nimage_url: http://x/cat.png",
        "id: 2\nimage_url: http://x/dog.png",
    ]


def test_csv_without_template_shows_every_field_as_name_value_lines() -> None:
    data = 'text, lang \r\n"Héllo, ""world""\nbye",fr\r\n'.encode()
    (unit,) = split(CSV, data)[1]
    assert unit.source == 'text: Héllo, "world"\nbye\nlang: fr'
    assert unit.gold is None


def test_a_brace_in_a_value_is_shown_as_written_not_formatted() -> None:
    data = b"image_url,gold\r\n{gold} {0} {image_url:>99},secret\r\n"
    (unit,) = split(CSV, data, ANIMAL)[1]
    assert unit.source == "Which animal is in {gold} {0} {image_url:>99}?"


def test_a_template_naming_a_missing_column_fails_at_split_and_names_it() -> None:
    options = SplitOptions(source_language="en", template="What is {colour}?")
    with pytest.raises(FormatError, match=r"\{colour\}.*no such column.*id, image_url, gold"):
        CSV.split(ANIMALS, options)


def test_a_template_cannot_show_the_gold_answer() -> None:
    options = SplitOptions(source_language="en", template="{image_url} is a {gold}")
    with pytest.raises(FormatError, match="gold"):
        CSV.split(ANIMALS, options)


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        ("{image_url.__class__}", "must name a column"),
        ("{image_url[0]}", "must name a column"),
        ("{0}", "must name a column"),
        ("{}", "must name a column"),
        ("{image_url:>10}", "format spec"),
        ("{image_url!r}", "format spec or conversion"),
        ("Which {image_url", "malformed"),
        ("} {image_url}", "malformed"),
    ],
)
def test_templates_are_plain_column_names_only(template: str, problem: str) -> None:
    with pytest.raises(FormatError, match=problem):
        CSV.split(ANIMALS, SplitOptions(source_language="en", template=template))


def test_escaped_braces_in_a_template_stay_literal() -> None:
    options = SplitOptions(source_language="en", template="{{id}} is {id}")
    assert split(CSV, ANIMALS, options)[1][0].source == "{id} is 1"


@pytest.mark.parametrize(
    ("data", "delimiter", "first"),
    [
        (b"a;b\n1;2\n", ";", "a: 1\nb: 2"),
        (b"a\tb\n1\t2\n", "\t", "a: 1\nb: 2"),
        (b"a|b\n1|2\n", "|", "a: 1\nb: 2"),
        (b'a;b\n"x;y";2\n', ";", "a: x;y\nb: 2"),
        (b"text\nhello; world\nfoo; bar\n", ",", "text: hello; world"),
        (b"text\nhello| world\n", ",", "text: hello| world"),
    ],
)
def test_csv_dialect_is_sniffed(data: bytes, delimiter: str, first: str) -> None:
    result, units = split(CSV, data)
    assert result.meta["delimiter"] == delimiter
    assert units[0].source == first


def test_a_wrong_sniffer_guess_is_checked_and_discarded() -> None:
    # csv.Sniffer reads ";" as the delimiter here: it is frequent inside the quoted text.
    data = b'quote,author\r\n"""Stop; now"";",Ann\r\n"""Go; on"";",Bob\r\n'
    assert csv.Sniffer().sniff(data.decode(), delimiters=",;\t|").delimiter == ";"
    result, units = split(CSV, data)
    assert result.meta["delimiter"] == ","
    assert units[0].source == 'quote: "Stop; now";\nauthor: Ann'


def test_csv_short_rows_are_padded_and_blank_lines_are_not_rows() -> None:
    data = b"a,b,c\n1\n\n2,3\n"
    _, units = split(CSV, data)
    assert [u.source for u in units] == ["a: 1\nb: \nc: ", "a: 2\nb: 3\nc: "]
    assert csv_rows(assemble(CSV, data, [Piece({"row": 1}, "yes")])) == [
        ["a", "b", "c", "answer"],
        ["1", "", "", ""],
        ["2", "3", "", "yes"],
    ]


def test_csv_long_row_names_the_line_it_starts_on() -> None:
    data = b'a,b\n"multi\nline",2\n1,2,3\n'
    with pytest.raises(FormatError, match="the row at line 4 has 3 fields but the header has 2"):
        split(CSV, data)
    # Read as one column under another delimiter it would fit, but one column proves nothing.
    with pytest.raises(FormatError, match="the row at line 2 has 3 fields but the header has 1"):
        split(CSV, b"text\nhello, world, again\nbye\n")


# CSV: assembly


def test_csv_answers_land_on_their_rows_in_an_added_last_column() -> None:
    _, units = split(CSV, ANIMALS)
    out = assemble(CSV, ANIMALS, [Piece(units[1].locator, "dog"), Piece(units[0].locator, None)])
    assert (
        out == b"id,image_url,gold,answer\r\n1,http://x/cat.png,cat,\r\n2,http://x/dog.png,,dog\r\n"
    )


def test_csv_with_no_answers_still_adds_the_empty_answer_column() -> None:
    assert assemble(CSV, ANIMALS, []) == (
        b"id,image_url,gold,answer\r\n1,http://x/cat.png,cat,\r\n2,http://x/dog.png,,\r\n"
    )


def test_csv_keeps_delimiter_line_breaks_bom_and_a_missing_final_newline() -> None:
    data = '\ufeffname;note\n"A; b";x\nC;y'.encode()
    out = assemble(CSV, data, [Piece({"row": 0}, 'say "hi"\r\n')])
    assert out == '\ufeffname;note;answer\n"A; b";x;"say ""hi""\r\n"\nC;y;'.encode()


def test_csv_all_quoted_input_gives_all_quoted_output() -> None:
    data = b'"a","b"\r\n"1","2"\r\n'
    assert split(CSV, data)[0].meta["quote_all"] is True
    assert assemble(CSV, data, [Piece({"row": 0}, "ok")]) == b'"a","b","answer"\r\n"1","2","ok"\r\n'


def test_csv_line_breaks_in_fields_are_quoted_whatever_the_file_uses() -> None:
    # csv.writer would leave a lone "\r" unquoted in a "\n" file, making the output unreadable.
    data = b'a,b\n"x\ry",1\n'
    out = assemble(CSV, data, [Piece({"row": 0}, "p\rq")])
    assert out == b'a,b,answer\n"x\ry",1,"p\rq"\n'
    assert csv_rows(out) == [["a", "b", "answer"], ["x\ry", "1", "p\rq"]]


def test_csv_foreign_or_bad_pieces_are_refused() -> None:
    meta = CSV.split(ANIMALS, PLAIN).meta
    for locator in ({"row": 2}, {"row": -1}, {"row": "0"}, {"row": 0, "start": 0}, {}):
        with pytest.raises(FormatError, match="does not belong"):
            CSV.assemble(ANIMALS, meta, [Piece(locator, "x")], AssembleOptions())
    with pytest.raises(FormatError, match="single string"):
        CSV.assemble(ANIMALS, meta, [Piece({"row": 0}, ["a", "b"])], AssembleOptions())
    with pytest.raises(FormatError, match="row 1 has two answers"):
        CSV.assemble(
            ANIMALS, meta, [Piece({"row": 0}, "a"), Piece({"row": 0}, "b")], AssembleOptions()
        )
    with pytest.raises(FormatError, match="invalid CSV meta"):
        CSV.assemble(ANIMALS, {}, [], AssembleOptions())


# CSV: bad input


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty"),
        (b" \r\n\t\n", "the file is empty"),
        ("\ufeff".encode(), "the file is empty"),
        (b"id,text\r\n", "header row but no data rows"),
        (b"id,text\r\n\r\n", "header row but no data rows"),
        (b"id,,text\r\n1,2,3\r\n", "column 2 of the header row has no name"),
        (b"id, text,text \r\n1,2,3\r\n", "names the column 'text' twice"),
        (b"id,answer\r\n1,2\r\n", 'a column "answer"'),
        (b'id,text\r\n1,"open\r\n2,x\r\n', "CSV syntax error in the row at line 2"),
        (b'id,text\r\n1,"a"b\r\n', "CSV syntax error in the row at line 2"),
        (b"id,text\r\n1,caf\xe9\r\n", "not valid UTF-8: byte 0xe9 at offset 14"),
        (b"id,text\r\n1,\x00\x01\r\n", "NUL byte"),
        ("id,text\r\n1,x\r\n".encode("utf-16"), "UTF-16"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not valid UTF-8: byte 0x89 at offset 0"),
        (b"GIF89a\x01\x00\x01\x00\x00\x00", "NUL byte at offset 7"),
    ],
)
def test_csv_bad_input_is_refused_with_a_reason(data: bytes, message: str) -> None:
    with pytest.raises(FormatError, match=message):
        split(CSV, data)


# JSON Lines


LINES = (
    '{"id": 1, "image_url": "http://x/cat.png", "gold": "cat"}\r\n'
    "\r\n"
    '  {"id": 2, "image_url": "http://x/été.png", "tags": ["a", 1], "extra": null}  \r\n'
    '{"id": 3, "image_url": "u", "gold": ""}'
).encode()


def test_jsonl_one_unit_per_object_line_with_its_span() -> None:
    result, units = split(JSONL, LINES, ANIMAL)
    assert result.meta == {}
    assert [u.key for u in units] == ["r1", "r2", "r3"]
    assert [u.source for u in units] == [
        "Which animal is in http://x/cat.png?",
        "Which animal is in http://x/été.png?",
        "Which animal is in u?",
    ]
    text = LINES.decode()
    for index, unit in enumerate(units):
        assert unit.locator["row"] == index
        assert isinstance(json.loads(text[unit.locator["start"] : unit.locator["end"]]), dict)
    assert text[units[1].locator["start"] : units[1].locator["end"]].endswith("}  ")


def test_jsonl_gold_key_is_the_known_answer_and_values_read_as_text() -> None:
    _, units = split(JSONL, LINES)
    assert [u.gold for u in units] == ["cat", None, None]
    assert units[0].source == "id: 1\nimage_url: http://x/cat.png"
    assert units[1].source == 'id: 2\nimage_url: http://x/été.png\ntags: ["a", 1]\nextra: '
    data = b'{"x": 1, "gold": 3}\n{"x": 2, "gold": true}\n{"x": 3, "gold": null}\n'
    assert [u.gold for u in split(JSONL, data)[1]] == ["3", "true", None]


def test_jsonl_a_line_missing_a_template_key_is_named() -> None:
    data = b'{"image_url": "a"}\n{"url": "b"}\n'
    units = JSONL.split(data, ANIMAL).units
    assert next(units).source == "Which animal is in a?"
    with pytest.raises(FormatError, match=r"\{image_url\} but line 2 has no such key"):
        next(units)


def test_jsonl_lines_are_rewritten_with_the_answer_last_and_null_where_unsettled() -> None:
    _, units = split(JSONL, LINES)
    out = JSONL.assemble(LINES, {}, [Piece(units[1].locator, "chat « noir »")], AssembleOptions())
    assert out.decode() == (
        '{"id": 1, "image_url": "http://x/cat.png", "gold": "cat", "answer": null}\r\n'
        "\r\n"
        '{"id": 2, "image_url": "http://x/été.png", "tags": ["a", 1], "extra": null, '
        '"answer": "chat « noir »"}\r\n'
        '{"id": 3, "image_url": "u", "gold": "", "answer": null}'
    )


def test_jsonl_an_unpaired_surrogate_is_written_as_an_escape() -> None:
    data = b'{"t": "\\ud800"}\n'
    out = JSONL.assemble(data, {}, [], AssembleOptions())
    assert out == b'{"t": "\\ud800", "answer": null}\n'
    assert json.loads(out) == {"t": "\ud800", "answer": None}


def test_jsonl_foreign_pieces_are_refused() -> None:
    _, units = split(JSONL, LINES)
    moved = {**units[0].locator, "start": 1}
    with pytest.raises(FormatError, match="does not belong"):
        JSONL.assemble(LINES, {}, [Piece(moved, "x")], AssembleOptions())
    with pytest.raises(FormatError, match="does not belong"):
        JSONL.assemble(LINES, {}, [Piece({"row": 0}, "x")], AssembleOptions())


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty"),
        (b"\n \r\n\t\n", "the file is empty"),
        (b'{"a": 1}\n[1, 2]\n', "line 2 is an array, not an object"),
        (b'{"a": 1}\n\n"text"\n', "line 3 is a string, not an object"),
        (b"null\n", "line 1 is true, false or null, not an object"),
        (b"12\n", "line 1 is a number"),
        (b'{"a": 1}\n{"a": }\n', r"line 2 is not valid JSON: Expecting value \(column 7\)"),
        (b'{"a": 1,\n"b": 2}\n', "line 1 is not valid JSON"),
        (b'{"answer": "x"}\n', 'line 1 already has an "answer" key'),
        (b'{"gold": ["a"]}\n', "the gold answer on line 1 must be a string"),
        (b'{"a": "caf\xe9"}\n', "not valid UTF-8"),
        (b'{"a": 1}\x00\n', "NUL byte"),
        (b"[" * 100_000 + b"]" * 100_000, "line 1"),
    ],
)
def test_jsonl_bad_input_is_refused_with_a_reason(data: bytes, message: str) -> None:
    with pytest.raises(FormatError, match=message):
        split(JSONL, data)


# Properties


_field = st.lists(
    st.one_of(
        st.sampled_from([*',;"\n\r\t |{}', "it's", "\r\n", "é", "€", "😀"]),
        st.characters(codec="utf-8", exclude_characters="\x00"),
    ),
    max_size=8,
).map("".join)
_names = st.text(st.sampled_from("abcxyz _éü"), min_size=1, max_size=6).filter(
    lambda name: name.strip() not in ("", "answer", "gold")
)


@st.composite
def _tables(draw: st.DrawFn) -> tuple[list[str], list[list[str]]]:
    header = draw(st.lists(_names, min_size=1, max_size=4, unique_by=str.strip))
    width = len(header)
    rows = draw(st.lists(st.lists(_field, min_size=width, max_size=width), min_size=1, max_size=6))
    return header, rows


def _write(rows: list[list[str]], delimiter: str, newline: str, quote_all: bool) -> bytes:
    """Rows as a spreadsheet would save them; both line-break characters force quoting."""
    out = []
    for row in rows:
        buffer = io.StringIO()
        csv.writer(
            buffer, delimiter=delimiter, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL
        ).writerow(row)
        out.append(buffer.getvalue().removesuffix("\r\n") + newline)
    return "".join(out).encode()


@settings(max_examples=150, deadline=None)
@given(
    _tables(),
    st.sampled_from([",", ";", "\t"]),
    st.sampled_from(["\r\n", "\n"]),
    st.booleans(),
    st.data(),
)
def test_csv_assembly_is_the_input_rows_plus_the_answers(
    table: tuple[list[str], list[list[str]]],
    delimiter: str,
    newline: str,
    quote_all: bool,
    data: st.DataObject,
) -> None:
    header, rows = table
    if len(header) == 1:  # one column shows no delimiter: it is read as comma-separated
        delimiter = ","
    upload = _write([header, *rows], delimiter, newline, quote_all)
    result, units = split(CSV, upload)
    assert result.meta["delimiter"] == delimiter
    assert [u.key for u in units] == [f"r{i + 1}" for i in range(len(rows))]
    empty = CSV.assemble(upload, result.meta, [], AssembleOptions())
    assert csv_rows(empty, delimiter) == [[*header, "answer"], *([*row, ""] for row in rows)]
    assert empty.endswith(newline.encode())
    answers = data.draw(st.lists(st.none() | _field, min_size=len(rows), max_size=len(rows)))
    pieces = [Piece(u.locator, a) for u, a in zip(units, answers, strict=True)]
    out = CSV.assemble(upload, result.meta, pieces, AssembleOptions())
    assert csv_rows(out, delimiter) == [
        [*header, "answer"],
        *([*row, answer or ""] for row, answer in zip(rows, answers, strict=True)),
    ]


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | _field,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(_field, children, max_size=3),
    max_leaves=6,
)
_objects = st.dictionaries(
    _field.filter(lambda key: key not in ("answer", "gold")), _json_values, max_size=4
)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(_objects, min_size=1, max_size=6),
    st.lists(st.sampled_from(["\n", "\r\n", "\n\n", "\n  \n"]), min_size=6, max_size=6),
    st.booleans(),
    st.data(),
)
def test_jsonl_assembly_is_the_input_rows_plus_the_answers(
    rows: list[dict[str, Any]], breaks: list[str], ascii_only: bool, data: st.DataObject
) -> None:
    upload = "".join(
        json.dumps(row, ensure_ascii=ascii_only) + end
        for row, end in zip(rows, breaks, strict=False)
    ).encode()
    units = split(JSONL, upload)[1]
    assert [u.key for u in units] == [f"r{i + 1}" for i in range(len(rows))]
    answers = data.draw(st.lists(st.none() | _field, min_size=len(rows), max_size=len(rows)))
    for pieces, expected in (
        ([], [None] * len(rows)),
        (list(zip(units, answers, strict=True)), answers),
    ):
        out = JSONL.assemble(
            upload, {}, [Piece(u.locator, a) for u, a in pieces], AssembleOptions()
        )
        lines = [line for line in out.decode().split("\n") if line.strip()]
        assert [json.loads(line) for line in lines] == [
            {**row, "answer": answer} for row, answer in zip(rows, expected, strict=True)
        ]
        assert all(list(json.loads(line))[-1] == "answer" for line in lines)
        assert out.count(b"\n") == upload.count(b"\n")
