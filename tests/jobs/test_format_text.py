"""Plain text: paragraphs (or sentences) out, answers back in place, the rest byte-exact."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tasks_service.jobs.formats import FormatError, Piece, Unit, detect_format, get_format
from tasks_service.jobs.formats.base import AssembleOptions, SplitOptions
from tasks_service.jobs.formats.text import TEXT

OPTIONS = SplitOptions(source_language="en", target_language="fr")
SENTENCES = SplitOptions(source_language="en", target_language="fr", segmentation="sentence")


def units(data: bytes, options: SplitOptions = OPTIONS) -> list[Unit]:
    split = TEXT.split(data, options)
    assert split.meta == {}
    return list(split.units)


def assemble(data: bytes, pieces: list[Piece]) -> bytes:
    return TEXT.assemble(data, {}, pieces, AssembleOptions(target_language="fr"))


def test_registered_under_its_name_and_extensions() -> None:
    assert get_format("text") is TEXT
    assert detect_format("notes.TXT", None) is TEXT
    assert detect_format("notes.text", None) is TEXT


def test_one_unit_per_paragraph_without_outer_whitespace() -> None:
    data = b"  First paragraph,\nsecond line.  \n\n\nSecond paragraph.\n"
    found = units(data)
    assert [u.key for u in found] == ["p0", "p1"]
    assert [u.source for u in found] == ["First paragraph,\nsecond line.", "Second paragraph."]
    assert all(u.placeholders == () for u in found)


def test_locator_is_the_exact_span_of_the_source() -> None:
    text = "\ufeffÉté  \r\n \t \r\nHiver\rPrintemps\r\rAutomne"
    found = units(text.encode())
    assert [u.source for u in found] == ["Été", "Hiver\rPrintemps", "Automne"]
    for unit in found:
        assert text[unit.locator["start"] : unit.locator["end"]] == unit.source


def test_blank_lines_with_spaces_and_crlf_separate_paragraphs() -> None:
    assert [u.source for u in units(b"a\r\n  \t\r\nb\n \nc")] == ["a", "b", "c"]


def test_a_single_line_break_does_not_separate_paragraphs() -> None:
    assert [u.source for u in units(b"a\r\nb\rc\nd")] == ["a\r\nb\rc\nd"]


def test_bom_is_never_part_of_a_unit() -> None:
    data = "\ufeffHello".encode()
    (unit,) = units(data)
    assert unit.source == "Hello"
    assert assemble(data, [Piece(unit.locator, "Bonjour")]) == "\ufeffBonjour".encode()


def test_units_are_produced_lazily() -> None:
    split = TEXT.split(b"one\n\ntwo", OPTIONS)
    assert next(split.units).source == "one"


def test_sentence_segmentation() -> None:
    data = b"Hello Dr. Smith. How are you? Fine!\n\nNext paragraph here."
    found = units(data, SENTENCES)
    assert [u.key for u in found] == ["p0.s0", "p0.s1", "p0.s2", "p1.s0"]
    assert [u.source for u in found] == [
        "Hello Dr. Smith.",
        "How are you?",
        "Fine!",
        "Next paragraph here.",
    ]
    text = data.decode()
    assert all(text[u.locator["start"] : u.locator["end"]] == u.source for u in found)


def test_paragraph_pysbd_cannot_cover_stays_whole() -> None:
    # pysbd returns only "Really." here, silently dropping "?!".
    found = units(b"Really.?!\n\nOk. Fine.", SENTENCES)
    assert [(u.key, u.source) for u in found] == [
        ("p0.s0", "Really.?!"),
        ("p1.s0", "Ok."),
        ("p1.s1", "Fine."),
    ]


def test_sentence_segmentation_falls_back_to_english_rules() -> None:
    options = SplitOptions(source_language="xx-YY", segmentation="sentence")
    assert [u.source for u in units(b"One. Two.", options)] == ["One.", "Two."]


def test_answers_replace_their_spans_in_any_order() -> None:
    data = b"One.\r\n\r\n  Two.  \r\n\r\nThree.\r\n"
    first, second, third = units(data)
    pieces = [
        Piece(third.locator, "Trois."),
        Piece(first.locator, "Un."),
        Piece(second.locator, None),
    ]
    assert assemble(data, pieces) == b"Un.\r\n\r\n  Two.  \r\n\r\nTrois.\r\n"


def test_sentence_answers_land_in_place() -> None:
    data = b"Hi there. Bye now.\n"
    found = units(data, SENTENCES)
    pieces = [Piece(u.locator, a) for u, a in zip(found, ["Salut.", "Ciao."], strict=True)]
    assert assemble(data, pieces) == b"Salut. Ciao.\n"


def test_no_answers_gives_back_the_upload() -> None:
    data = b"A\n\nB"
    assert assemble(data, [Piece(u.locator, None) for u in units(data)]) is data


def test_plural_answer_is_refused() -> None:
    (unit,) = units(b"A")
    with pytest.raises(FormatError, match="single string"):
        assemble(b"A", [Piece(unit.locator, ["a", "b"])])


def test_overlapping_or_foreign_locators_are_refused() -> None:
    with pytest.raises(FormatError, match="overlap"):
        assemble(b"abc", [Piece({"start": 0, "end": 2}, "x"), Piece({"start": 1, "end": 3}, "y")])
    with pytest.raises(FormatError, match="do not belong"):
        assemble(b"abc", [Piece({"start": 0, "end": 9}, "x")])
    with pytest.raises(FormatError, match="invalid locator"):
        assemble(b"abc", [Piece({"start": "0", "end": 1}, "x")])


def test_invalid_utf8_is_refused_with_the_offset() -> None:
    with pytest.raises(FormatError, match=r"not valid UTF-8: byte 0xe9 at offset 2"):
        TEXT.split(b"Et\xe9", OPTIONS)


def test_utf16_is_named() -> None:
    with pytest.raises(FormatError, match="UTF-16"):
        TEXT.split("Hello".encode("utf-16"), OPTIONS)


def test_nul_byte_is_refused_as_binary() -> None:
    with pytest.raises(FormatError, match="NUL byte at offset 3"):
        TEXT.split(b"abc\x00def", OPTIONS)


@pytest.mark.parametrize("data", [b"", b"   \n\t\r\n", "\ufeff \n".encode()])
def test_empty_or_blank_file_is_refused(data: bytes) -> None:
    with pytest.raises(FormatError, match="no text to translate"):
        TEXT.split(data, OPTIONS)


_pieces_of_text = st.sampled_from(
    ["\n", "\r\n", "\r", " ", "\t", "  \n", " \t\r\n", "\n\n", "\u00a0", "\u2028", "\ufeff"]
)
_documents = st.builds(
    lambda bom, parts: ("\ufeff" if bom else "") + "".join(parts),
    st.booleans(),
    st.lists(st.one_of(_pieces_of_text, st.text(min_size=1, max_size=12)), max_size=30),
).filter(lambda text: "\x00" not in text and text.lstrip("\ufeff").strip())


@given(_documents)
def test_round_trip_and_spans_hold_for_any_text(text: str) -> None:
    data = text.encode()
    found = units(data)
    assert assemble(data, [Piece(u.locator, None) for u in found]) == data
    assert assemble(data, [Piece(u.locator, u.source) for u in found]) == data
    uncovered, position = [], 0
    for unit in found:
        start, end = unit.locator["start"], unit.locator["end"]
        assert text[start:end] == unit.source
        assert unit.source == unit.source.strip() != ""
        uncovered.append(text[position:start])
        position = end
    uncovered.append(text[position:])
    assert "".join(uncovered).removeprefix("\ufeff").strip() == "", "text left out of every unit"


@given(_documents, st.text(max_size=8))
def test_answers_replace_exactly_their_units(text: str, answer: str) -> None:
    data = text.encode()
    found = units(data)
    out = assemble(data, [Piece(u.locator, answer) for u in found]).decode()
    expected, position = [], 0
    for unit in found:
        expected += [text[position : unit.locator["start"]], answer]
        position = unit.locator["end"]
    assert out == "".join(expected) + text[position:]


_prose = st.lists(
    st.sampled_from(
        ["Mr. Smith", " went home.", "Hello!", "  ", "\n", "\r\n\r\n", "Why?", "e.g. this", "3.5"]
    ),
    min_size=1,
).map("".join)


@settings(deadline=None)
@given(st.one_of(_documents, _prose.filter(str.strip)))
def test_sentences_cover_the_text_without_overlap(text: str) -> None:
    data = text.encode()
    found = units(data, SENTENCES)
    uncovered, position = [], 0
    for unit in found:
        start, end = unit.locator["start"], unit.locator["end"]
        assert start >= position
        assert text[start:end] == unit.source == unit.source.strip() != ""
        uncovered.append(text[position:start])
        position = end
    uncovered.append(text[position:])
    assert "".join(uncovered).removeprefix("\ufeff").strip() == "", "text left out of every unit"
    assert assemble(data, [Piece(u.locator, u.source) for u in found]) == data
