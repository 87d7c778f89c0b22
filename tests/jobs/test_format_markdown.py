"""Markdown: text blocks out as units with markup tokens, answers back in place, the rest as is."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token

from tasks_service.jobs.formats import FormatError, Piece, Unit, markdown_blocks
from tasks_service.jobs.formats.base import AssembleOptions, SplitOptions
from tasks_service.jobs.formats.markdown import MARKDOWN, MarkdownFormat

OPTIONS = SplitOptions(source_language="en", target_language="fr")
SENTENCES = SplitOptions(source_language="en", target_language="fr", segmentation="sentence")
WHOLE = MarkdownFormat(chunk_chars=10**12)  # never cuts: the reference for chunked parsing
TINY = MarkdownFormat(chunk_chars=1)  # cuts at every place it may
_TAG = re.compile(r"(</?[0-9]+/?>)")
_RENDERER = MarkdownIt("commonmark").enable("table")
_CODE = frozenset({"fence", "code_block", "html_block", "code_inline", "html_inline"})


def units(text: str, options: SplitOptions = OPTIONS, fmt: MarkdownFormat = MARKDOWN) -> list[Unit]:
    split = fmt.split(text.encode(), options)
    assert split.meta == {}
    return list(split.units)


def sources(text: str, options: SplitOptions = OPTIONS) -> list[str]:
    return [unit.source for unit in units(text, options)]


def assemble(text: str, pieces: list[Piece]) -> str:
    return MARKDOWN.assemble(text.encode(), {}, pieces, AssembleOptions("fr")).decode()


def answered(text: str, answers: dict[str, str]) -> str:
    found = units(text)
    return assemble(text, [Piece(u.locator, answers.get(u.key), u.placeholders) for u in found])


def shout(unit: Unit) -> str:
    """The unit's source upper-cased outside its tokens: an answer that keeps every token."""
    tokens = {p.token for p in unit.placeholders}
    return "".join(p if p in tokens else p.upper() for p in _TAG.split(unit.source))


def shape(text: str) -> list[Any]:
    """markdown-it's reading of a document, with text compared case-insensitively."""
    return [_shape(token) for token in _RENDERER.parse(text)]


def _shape(token: Token, following: Token | None = None) -> Any:
    if token.type == "text":  # joined text keeps the markup of an escape it started with
        text = token.content.upper()
        # Spaces before a line break show nowhere (an answer's line loses them).
        soft = following and following.type == "softbreak"
        return ("text", text.rstrip(" \t") if soft else text)
    content = token.content if token.type in _CODE else None
    kids = token.children or []
    children = [_shape(child, nxt) for child, nxt in zip(kids, [*kids[1:], None], strict=False)]
    children = [child for child in children if child != ("text", "")]
    attrs = sorted((k, str(v)) for k, v in token.attrs.items())
    return (token.type, token.tag, token.nesting, token.markup, token.info, token.hidden, attrs,
            content, children)  # fmt: skip


def test_format_attributes() -> None:
    assert MARKDOWN.name == "markdown"
    assert MARKDOWN.extensions == (".md", ".markdown")
    assert MARKDOWN.media_type == "text/markdown; charset=utf-8"
    assert MARKDOWN.kinds == ("translate", "proofread")
    assert MARKDOWN.adds_answer_column is False


def test_paragraphs_are_units_and_keep_their_line_breaks() -> None:
    found = units("First line\nsecond line.\n\nAnother paragraph.\n")
    assert [(u.key, u.source, u.note) for u in found] == [
        ("b0", "First line\nsecond line.", None),
        ("b1", "Another paragraph.", None),
    ]
    assert found[0].locator == {"lines": [[0, 10], [11, 23]], "join": "\n", "cell": False}


def test_headings_give_their_text_only() -> None:
    text = "# Title #\n\n### Deep\n\nSetext one\n==========\n\nSetext two\nlines\n---\n"
    found = units(text)
    assert [(u.source, u.note) for u in found] == [
        ("Title", "heading 1"),
        ("Deep", "heading 3"),
        ("Setext one", "heading 1"),
        ("Setext two\nlines", "heading 2"),
    ]


def test_list_items_give_each_paragraph_without_markers_or_indentation() -> None:
    text = "- one\n- two\n  wrapped\n\n  second paragraph\n  - nested\n\n1) first\n"
    found = units(text)
    assert [(u.source, u.note) for u in found] == [
        ("one", "list item"),
        ("two\nwrapped", "list item"),
        ("second paragraph", "list item"),
        ("nested", "list item"),
        ("first", "list item"),
    ]
    assert [text[a:b] for a, b in found[1].locator["lines"]] == ["two", "wrapped"]


def test_block_quote_prefixes_stay_out_of_the_source() -> None:
    text = "> Quoted text\n> on two lines.\n>\n> > Nested *quote*\n"
    found = units(text)
    assert [(u.source, u.note) for u in found] == [
        ("Quoted text\non two lines.", "block quote"),
        ("Nested <1>quote</1>", "block quote"),
    ]
    assert [text[a:b] for a, b in found[0].locator["lines"]] == ["Quoted text", "on two lines."]
    assert found[0].locator["join"] == "\n> "


def test_table_cells_with_text_are_units() -> None:
    text = "| Name | Note |\n|:-----|-----:|\n| a \\| b |  |\n| `code` | *c* |\n"
    found = units(text)
    assert [(u.source, u.note) for u in found] == [
        ("Name", "table header"),
        ("Note", "table header"),
        ("a | b", "table cell"),
        ("<1>c</1>", "table cell"),
    ]
    assert answered(text, {"b2": "x | y"}).splitlines()[2] == "| x \\| y |  |"


def test_table_inside_a_block_quote() -> None:
    text = "> | a | b |\n> |---|---|\n> | c | d |\n"
    assert sources(text) == ["a", "b", "c", "d"]
    out = answered(text, {"b0": "A", "b3": "D"})
    assert out == "> | A | b |\n> |---|---|\n> | c | D |\n"


@pytest.mark.parametrize(
    "block",
    [
        "```python\nprint('hi')\n\nx = 1\n```",
        "~~~\ncode\n~~~",
        "    indented code\n\n    more code",
        "<div>\n*raw* html\n</div>",
        "<!--\n\ncomment\n\n-->",
        "[ref]: https://example.com 'Title'",
        "***",
        "- - -",
    ],
)
def test_code_html_definitions_and_breaks_are_never_sent(block: str) -> None:
    text = f"Before.\n\n{block}\n\nAfter.\n"
    assert sources(text) == ["Before.", "After."]


def test_front_matter_is_never_sent() -> None:
    text = "---\ntitle: Hello\ntags: [a, b]\n---\n# Heading\n\nBody.\n"
    assert sources(text) == ["Heading", "Body."]
    assert sources("Intro.\n\n---\ntitle: not front matter\n---\n") == [
        "Intro.",
        "title: not front matter",
    ]


def test_inline_markup_becomes_tokens_with_the_original_markup() -> None:
    text = (
        'Some **bold**, _em_ and [a link](https://x.org/a_b "T") with `code`, '
        "![logo](l.png), <https://auto.example>, <b>html</b> and a hard  \nbreak\\\nhere."
    )
    (unit,) = units(text)
    assert unit.source == (
        "Some <1>bold</1>, <2>em</2> and <3>a link</3> with <4/>, <5/>, <6/>, <7/>html<8/>"
        " and a hard<9/>\nbreak<10/>\nhere."
    )
    assert [(p.token, p.text) for p in unit.placeholders] == [
        ("<1>", "**"),
        ("</1>", "**"),
        ("<2>", "_"),
        ("</2>", "_"),
        ("<3>", "["),
        ("</3>", '](https://x.org/a_b "T")'),
        ("<4/>", "`code`"),
        ("<5/>", "![logo](l.png)"),
        ("<6/>", "<https://auto.example>"),
        ("<7/>", "<b>"),
        ("<8/>", "</b>"),
        ("<9/>", "  "),
        ("<10/>", "\\"),
    ]
    assert "x.org" not in unit.source


def test_reference_links_spell_out_a_label_taken_from_the_link_text() -> None:
    text = "See [the docs], [the docs][] and [here][docs].\n\n[the docs]: /docs\n[docs]: /d\n"
    (unit,) = units(text)
    assert unit.source == "See <1>the docs</1>, <2>the docs</2> and <3>here</3>."
    closings = [p.text for p in unit.placeholders if p.token.startswith("</")]
    assert closings == ["][the docs]", "][the docs]", "][docs]"]
    out = answered(text, {"b0": "Voir <1>la doc</1>, <2>la doc</2> et <3>ici</3>."})
    assert out.startswith("Voir [la doc][the docs], [la doc][the docs] et [ici][docs].\n")
    links = [t.attrs["href"] for t in _RENDERER.parse(out)[1].children or [] if t.attrs]
    assert links == ["/docs", "/docs", "/d"]


def parsed_sizes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The length of every text markdown-it parses from now on."""
    sizes: list[int] = []
    parse = markdown_blocks.PARSER.parse

    def spy(src: str, env: Any = None) -> list[Token]:
        sizes.append(len(src))
        return parse(src, env)

    monkeypatch.setattr(markdown_blocks.PARSER, "parse", spy)
    return sizes


def test_references_defined_later_are_known_in_every_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "Go [there][far].\n\n" + "Filler paragraph.\n\n" * 200 + "[far]: https://far\n"
    sizes = parsed_sizes(monkeypatch)
    assert units(text, fmt=MarkdownFormat(chunk_chars=100))[0].source == "Go <1>there</1>."
    assert len(sizes) > 20 and max(sizes) < 200


def test_escapes_and_entities_read_as_characters() -> None:
    (unit,) = units("2 \\* 3 &amp; 4 &lt;b&gt; &copy; \\_x\\_ a&#10;b")
    assert unit.source == "2 * 3 & 4 <b> © _x_ a<1/>b"
    assert unit.placeholders[0].text == "&#10;"


def test_text_that_looks_like_a_token_becomes_one() -> None:
    (unit,) = units("Press <1> then </2>, \\<3> or &lt;4/> *now*.")
    assert unit.source == "Press <1/> then <2/>, <3/> or <4/> <5>now</5>."
    assert [p.text for p in unit.placeholders][:4] == ["<1>", "</2>", "\\<3>", "&lt;4/>"]


def test_the_unused_part_of_an_emphasis_run_stays_with_its_token() -> None:
    # The run's length decides what emphasis matches, so a stray "*" must not be escaped away.
    text = "**bold* text\n\nand *a**.\n"
    first, second = units(text)
    assert (first.source, second.source) == ("<1>bold</1> text", "and <1>a</1>.")
    assert [p.text for p in [*first.placeholders, *second.placeholders]] == ["**", "*", "*", "**"]
    assert answered(text, {"b0": shout(first), "b1": shout(second)}) == text.upper()


def test_spaces_from_entities_inside_emphasis_stay_references() -> None:
    text = "*a&nbsp;* and &nbsp;\n"
    (unit,) = units(text)
    assert unit.source == "<1>a\xa0</1> and \xa0"
    out = answered(text, {"b0": "<1>b\xa0</1> et \xa0"})
    assert out == "*b&#160;* et &#160;\n"
    assert shape(out) == shape("*B&nbsp;* ET &nbsp;\n")


def test_an_exclamation_mark_before_a_link_stays_text() -> None:
    text = "Wow\\![a link](u)\n"
    (unit,) = units(text)
    assert unit.source == "Wow!<1>a link</1>"
    assert answered(text, {"b0": unit.source}) == text


def test_blocks_without_text_of_their_own_are_not_sent() -> None:
    assert sources("![only an image](i.png)\n\n`code` <br>\n\n|   |\n|---|\n\nText.") == ["Text."]


def test_answers_replace_only_their_text() -> None:
    text = "# Hello\n\nA *nice* [day](https://d.example).\n"
    out = answered(text, {"b0": "Bonjour", "b1": "Une <2>belle</2> <1>journée</1>."})
    assert out == "# Bonjour\n\nUne [belle](https://d.example) *journée*.\n"


def test_no_answers_gives_back_the_upload() -> None:
    data = b"# A\r\n\r\n> b\r\n> c\r\n"
    pieces = [Piece(u.locator, None) for u in MARKDOWN.split(data, OPTIONS).units]
    assert MARKDOWN.assemble(data, {}, pieces, AssembleOptions()) is data
    assert MARKDOWN.assemble(data, {}, [], AssembleOptions()) is data


def test_answer_lines_go_after_the_original_prefixes() -> None:
    text = "> one\n> two\n> three\n\nAfter.\n"
    assert answered(text, {"b0": "un\ndeux"}) == "> un\n> deux\n\nAfter.\n"
    assert answered(text, {"b0": "a\nb\nc\nd\ne"}) == "> a\n> b\n> c\n> d\n> e\n\nAfter.\n"


def test_extra_lines_of_a_one_line_unit_continue_its_container() -> None:
    text = "> - item\n\n1. first\n\n# Title\n"
    out = answered(text, {"b0": "a\nb", "b1": "c\nd", "b2": "e\nf"})
    assert out == "> - a\n>   b\n\n1. c\n   d\n\n# e f\n"
    assert shape(out) == shape("> - A\n>   B\n\n1. C\n   D\n\n# E F\n")


def test_crlf_and_bom_are_kept() -> None:
    text = "\ufeffOne\r\ntwo\r\n\r\n- three\r\n"
    found = units(text)
    assert [u.source for u in found] == ["One\ntwo", "three"]
    out = answered(text, {"b0": "Un\ndeux\ntrois", "b1": "quatre\ncinq"})
    assert out == "\ufeffUn\r\ndeux\r\ntrois\r\n\r\n- quatre\r\n  cinq\r\n"


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("# not a heading", "\\# not a heading"),
        ("- not a list", "\\- not a list"),
        ("1. not a list", "1\\. not a list"),
        ("> not a quote", "\\> not a quote"),
        ("*not em* _nor_ this_one", "\\*not em\\* \\_nor\\_ this_one"),
        ("[not](a link)", "\\[not\\](a link)"),
        ("`no code`", "\\`no code\\`"),
        ("<div> &amp; a < b & c", "\\<div> \\&amp; a < b & c"),
        ("a | b", "a &#124; b"),
        ("back\\slash", "back\\\\slash"),
        ("===", "\\==="),
        ("C #", "C \\#"),
    ],
)
def test_answer_text_is_escaped_to_stay_text(answer: str, expected: str) -> None:
    text = "Para.\n"
    out = answered(text, {"b0": answer})
    assert out == expected + "\n"
    rendered = _RENDERER.render(out)
    assert rendered.startswith("<p>") and rendered.count("<p>") == 1


def test_escaping_keeps_a_setext_heading_a_heading() -> None:
    text = "a | b\n---\n"
    out = answered(text, {"b0": "x | y"})
    assert out == "x &#124; y\n---\n"
    assert _RENDERER.parse(out)[0].type == "heading_open"


def test_answer_whitespace_and_empty_lines_are_dropped() -> None:
    text = "> a\n> b\n"
    assert answered(text, {"b0": "  x  \n\n   \n y \t"}) == "> x\n> y\n"


def test_sentences_are_units_within_blocks() -> None:
    text = "Hello Dr. Smith. How are you?\nFine *thanks*. Bye!\n\n# One. Two.\n"
    found = units(text, SENTENCES)
    assert [(u.key, u.source) for u in found] == [
        ("b0.s0", "Hello Dr. Smith."),
        ("b0.s1", "How are you?"),
        ("b0.s2", "Fine <1>thanks</1>."),
        ("b0.s3", "Bye!"),
        ("b1.s0", "One."),
        ("b1.s1", "Two."),
    ]
    assert found[2].placeholders[0].text == "*"
    pieces = [Piece(u.locator, shout(u), u.placeholders) for u in found]
    out = MARKDOWN.assemble(text.encode(), {}, pieces, AssembleOptions()).decode()
    assert out == "HELLO DR. SMITH. HOW ARE YOU?\nFINE *THANKS*. BYE!\n\n# ONE. TWO.\n"


def test_a_sentence_boundary_inside_a_token_pair_keeps_the_block_whole() -> None:
    text = "Start. *Inside one. Inside two.* End.\n"
    assert sources(text, SENTENCES) == ["Start. <1>Inside one. Inside two.</1> End."]


def test_a_sentence_over_a_line_break_keeps_both_line_spans() -> None:
    text = "> First sentence\n> goes on. Second.\n"
    first, second = units(text, SENTENCES)
    assert first.source == "First sentence\ngoes on."
    assert [text[a:b] for a, b in first.locator["lines"]] == ["First sentence", "goes on."]
    assert second.source == "Second."


def test_units_are_produced_lazily() -> None:
    split = MARKDOWN.split(b"one\n\ntwo", OPTIONS)
    assert next(split.units).source == "one"


def test_plural_answer_is_refused() -> None:
    (unit,) = units("A")
    with pytest.raises(FormatError, match="single string"):
        MARKDOWN.assemble(b"A", {}, [Piece(unit.locator, ["a", "b"])], AssembleOptions())


@pytest.mark.parametrize(
    "locator",
    [
        {"start": 0, "end": 1},
        {"lines": [], "join": "\n"},
        {"lines": [[0, 9]], "join": "\n"},
        {"lines": [[1, 2], [0, 1]], "join": "\n"},
        {"lines": [["0", 1]], "join": "\n"},
        {"lines": [[0, 1]]},
    ],
)
def test_bad_locators_are_refused(locator: dict[str, Any]) -> None:
    with pytest.raises(FormatError, match="invalid locator"):
        MARKDOWN.assemble(b"abc", {}, [Piece(locator, "x")], AssembleOptions())


def test_overlapping_answers_are_refused() -> None:
    pieces = [
        Piece({"lines": [[0, 2]], "join": ""}, "x"),
        Piece({"lines": [[1, 3]], "join": ""}, "y"),
    ]
    with pytest.raises(FormatError, match="overlap"):
        MARKDOWN.assemble(b"abc", {}, pieces, AssembleOptions())


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"Caf\xe9", r"not valid UTF-8: byte 0xe9 at offset 3"),
        ("# Hi".encode("utf-16"), "UTF-16"),
        (b"# Hi\x00", "NUL byte at offset 4"),
        (b"", "no text to translate"),
        (b" \n\t\r\n", "no text to translate"),
        (b"---\ntitle: x\n---\n", "no text to translate"),
        (b"```\ncode\n```\n\n<div>x</div>\n\n[a]: /b\n\n---\n", "only code, HTML"),
        (b"![img](i.png)\n", "only code, HTML"),
    ],
)
def test_bad_input_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(FormatError, match=message):
        MARKDOWN.split(data, OPTIONS)


def test_a_generated_5_mb_document_splits_the_same_chunked_and_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    prose = "Lorem ipsum dolor sit amet, *consectetur* adipiscing elit, sed do eiusmod tempor\n"
    section = (
        "## Section {n}\n\n" + prose * 8 + "\nSee the [link][r{m}] and `code`.\n" + prose * 8
        + "\n```\ncode {n}\n\nnot a paragraph\n```\n\n> Quote {n}\n> more\n\n- item {n}\n\n"
        "  continued\n- next\n\n| a | b |\n|---|---|\n| {n} | x |\n\n<div>\n\nhtml {n}\n\n"
        "</div>\n\n[r{n}]: /r{n}\n\n"
    )  # fmt: skip
    text = "".join(section.format(n=n, m=n + 1) for n in range(3500))
    assert len(text) > 5_000_000
    sizes = parsed_sizes(monkeypatch)
    chunked = units(text)
    assert len(sizes) > 30 and max(sizes) < 2 * MARKDOWN.chunk_chars
    assert chunked == units(text, fmt=WHOLE)
    assert chunked[2].source.startswith("See the <1>link</1> and <2/>.\nLorem ipsum")
    assert chunked[2].placeholders[1].text == "][r1]"


# Generated documents -------------------------------------------------------------------------

_words = st.text(alphabet="abcxyz ABC éßö019", min_size=1, max_size=8)
_specials = st.sampled_from(
    [*"*_`[]()<>&#!\\|-+.=~:\"' \t", "  ", "1.", "&amp;", "&#35;", "&nbsp;", "&#10;", "\\*",
     "\\_", "\\|", "\\\\", "\\[", "<1>", "a_b", "**", "__", "***"]
)  # fmt: skip
_markup = st.one_of(
    _words.map(lambda w: f"*{w}*"),
    _words.map(lambda w: f"**{w}**"),
    _words.map(lambda w: f"_{w}_"),
    _words.map(lambda w: f'[{w}](https://x.org/{w.strip()} "t")'),
    _words.map(lambda w: f"[{w}][ref]"),
    _words.map(lambda w: f"[{w}]"),
    _words.map(lambda w: f"[{w}][]"),
    _words.map(lambda w: f"![{w}](i.png)"),
    _words.map(lambda w: f"`{w}`"),
    st.sampled_from(["<https://a.example/b>", "<me@mail.example>", "<b>", "</b>", "<!-- c -->"]),
    # markup that spans a line break, which gets the container's prefix like any line
    st.sampled_from(["`co\nde`", "[li\nnk](u)", "[a](<b c>\n'ti\ntle')", "![al\nt](i.png)",
                     "<span\nclass='x'>", "*em\nph*", "[li\nnk][REF]"]),
)  # fmt: skip
_inline = st.lists(st.one_of(_words, _specials, _markup), min_size=1, max_size=10).map("".join)
_lines = st.lists(_inline, min_size=1, max_size=3)
_break = st.sampled_from(["\n", "  \n", "\\\n", " \n"])


def _paragraph(lines: list[str], breaks: list[str]) -> str:
    return "".join(line + brk for line, brk in zip(lines, breaks, strict=False)) + lines[-1]


_paragraphs = st.builds(_paragraph, _lines, st.lists(_break, min_size=3, max_size=3))
_cell = st.lists(st.one_of(_words, _specials.filter(lambda s: "|" not in s), _markup), max_size=4)
_blocks = st.one_of(
    _paragraphs,
    st.builds(lambda n, t, c: "#" * n + " " + t + c, st.integers(1, 6), _inline,
              st.sampled_from(["", " #", " ##"])),
    st.builds(lambda p, u: p + "\n" + u, _paragraphs, st.sampled_from(["===", "---"])),
    _paragraphs.map(lambda p: "> " + p.replace("\n", "\n> ")),
    _paragraphs.map(lambda p: "> " + p),
    st.builds(lambda m, p: m + " " + p.replace("\n", "\n   "), st.sampled_from(["-", "*", "1."]),
              _paragraphs),
    st.lists(_paragraphs, min_size=1, max_size=3).map(
        lambda items: "\n".join("- " + p.replace("\n", "\n  ") for p in items)),
    _paragraphs.map(lambda p: "- a\n\n  " + p.replace("\n", "\n  ") + "\n  - nested"),
    st.lists(st.lists(_cell.map("".join), min_size=2, max_size=2), min_size=1, max_size=3).map(
        lambda rows: "| h1 | h2 |\n|---|:-:|\n" + "\n".join(f"| {a} | {b} |" for a, b in rows)),
    st.builds(lambda m, p: m + p.replace("\n", "\n" + " " * len(m)),
              st.sampled_from(["+ ", "2) ", "-\t", "> - ", "> 1. ", ">> "]), _paragraphs),
    st.lists(st.lists(_cell.map("".join), min_size=2, max_size=2), min_size=1, max_size=2).map(
        lambda rows: "- x\n\n  a | b\n  --|--\n" + "\n".join(f"  {a} | {b}" for a, b in rows)),
    st.sampled_from([
        "```js\nlet a = *b*;\n\nfoo\n```", "~~~\n# not a heading\n~~~", "    code *x*",
        "<div>\n*raw*\n</div>", "[ref]: https://r.example/ 'Ref'", "***", "<!--\n\nx\n-->",
        "<custom-tag>\n*x*", "[REF]:\n/u\n'T'", "- ```\n  code\n\n  more\n  ```",
    ]),
)  # fmt: skip
_documents = st.builds(
    lambda front, blocks, gaps, newline: (
        ("---\nk: v\n---\n" if front else "")
        + "".join(b + g for b, g in zip(blocks, gaps, strict=False))
    ).replace("\n", newline),
    st.booleans(),
    st.lists(_blocks, min_size=1, max_size=6),
    st.lists(st.sampled_from(["\n\n", "\n", "\n\n\n"]), min_size=6, max_size=6),
    st.sampled_from(["\n", "\r\n"]),
)


def _split_or_none(text: str, options: SplitOptions = OPTIONS) -> list[Unit] | None:
    try:
        return units(text, options)
    except FormatError as exc:
        if "no text to translate" not in str(exc):
            raise
        return None


_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(_documents)
def test_round_trip_and_locators_hold_for_generated_documents(text: str) -> None:
    found = _split_or_none(text)
    if found is None:
        return
    data = text.encode()
    pieces = [Piece(u.locator, None) for u in found]
    assert MARKDOWN.assemble(data, {}, pieces, AssembleOptions()) == data
    assert MARKDOWN.assemble(data, {}, [], AssembleOptions()) == data
    position = 0
    for unit in found:
        for start, end in unit.locator["lines"]:
            assert position <= start <= end <= len(text)
            position = end
        span = text[unit.locator["lines"][0][0] : position]
        assert not span[:1].isspace() and not span[-1:].isspace()
        # every token is the unit's own markup (a spelled-out reference label aside)
        assert all(p.text in span for p in unit.placeholders if not p.text.startswith("]["))


@_SETTINGS
@given(_documents)
def test_translated_documents_keep_their_structure(text: str) -> None:
    found = _split_or_none(text)
    if found is None:
        return
    pieces = [Piece(u.locator, shout(u), u.placeholders) for u in found]
    out = MARKDOWN.assemble(text.encode(), {}, pieces, AssembleOptions()).decode()
    assert shape(out) == shape(text)


@_SETTINGS
@given(_documents)
def test_sentence_units_keep_the_structure_too(text: str) -> None:
    found = _split_or_none(text, SENTENCES)
    if found is None:
        return
    pieces = [Piece(u.locator, shout(u), u.placeholders) for u in found]
    out = MARKDOWN.assemble(text.encode(), {}, pieces, AssembleOptions()).decode()
    assert shape(out) == shape(text)


@_SETTINGS
@given(st.lists(_documents, min_size=1, max_size=4).map("\n\n".join))
def test_chunked_parsing_gives_the_same_units(text: str) -> None:
    whole = _split_or_none(text)
    if whole is not None:
        assert units(text, fmt=TINY) == whole
