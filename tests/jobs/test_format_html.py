"""HTML: block text and a few attributes out, answers back in place, everything else byte-exact."""

from __future__ import annotations

import itertools
import re
from typing import Any
from xml.etree import ElementTree

import html5lib
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tasks_service.jobs.formats import FormatError, Piece, Unit, markup
from tasks_service.jobs.formats.base import AssembleOptions, Split, SplitOptions
from tasks_service.jobs.formats.html import HTML

OPTIONS = SplitOptions(source_language="en", target_language="fr")
NEVER_SENT = frozenset(("script", "style", "code", "kbd", "samp", "pre", "textarea"))
TRANSLATED_ATTRIBUTES = frozenset(("alt", "title", "placeholder", "aria-label"))


def split(text: str) -> tuple[Split, list[Unit]]:
    result = HTML.split(text.encode(), OPTIONS)
    return result, list(result.units)


def units(text: str) -> list[Unit]:
    return split(text)[1]


def sources(text: str) -> list[str]:
    return [unit.source for unit in units(text)]


def assemble(text: str, answers: dict[str, str]) -> str:
    """The page with the answers (by unit source) filled in."""
    result, found = split(text)
    pieces = [Piece(u.locator, answers.get(u.source), u.placeholders) for u in found]
    return HTML.assemble(text.encode(), result.meta, pieces, AssembleOptions()).decode()


def shape(node: Any, upper: bool = False, inside: bool = False) -> Any:
    """An html5lib tree as nested tuples; ``upper`` upper-cases what volunteers are sent."""
    if node.tag is ElementTree.Comment:
        return ("#comment", node.text)
    sent = upper and not inside
    attributes = sorted(
        (name, value.upper() if sent and name in TRANSLATED_ATTRIBUTES else value)
        for name, value in node.attrib.items()
    )
    inside = inside or node.tag in NEVER_SENT
    children: list[Any] = []

    def add_text(value: str | None) -> None:
        if value:
            children.append(value.upper() if upper and not inside else value)

    add_text(node.text)
    for child in node:
        children.append(shape(child, upper, inside))
        add_text(child.tail)
    return (node.tag, attributes, children)


def parsed(text: str) -> Any:
    return html5lib.parse(text, treebuilder="etree", namespaceHTMLElements=False)


def test_format_attributes() -> None:
    assert (HTML.name, HTML.extensions, HTML.media_type) == (
        "html",
        (".html", ".htm", ".xhtml"),
        "text/html; charset=utf-8",
    )
    assert (HTML.kinds, HTML.adds_answer_column) == (("translate", "proofread"), False)


# --- what becomes a unit -------------------------------------------------------------------


def test_blocks_become_units_with_inline_markup_as_tags() -> None:
    found = units('<h1>Hello <em>big</em> world</h1>\n<p>See <a href="/x">this</a>.</p>')
    assert [u.source for u in found] == ["Hello <1>big</1> world", "See <1>this</1>."]
    assert [(p.token, p.text) for p in found[1].placeholders] == [
        ("<1>", '<a href="/x">'),
        ("</1>", "</a>"),
    ]
    assert found[0].note == "Heading"


def test_tags_are_numbered_in_order_of_appearance() -> None:
    (unit,) = units("<p><b>a <i>b</i></b> c<br>d <span>e</span></p>")
    assert unit.source == "<1>a <2>b</2></1> c<3/>d <4>e</4>"


def test_unit_span_is_trimmed_and_exact() -> None:
    text = "<div>\n   Some <b>bold</b> text \n</div>"
    (unit,) = units(text)
    assert text[unit.locator["start"] : unit.locator["end"]] == "Some <b>bold</b> text"
    for token, start, end in unit.locator["tags"]:
        assert text[start:end] == next(p.text for p in unit.placeholders if p.token == token)


@pytest.mark.parametrize(
    ("tag", "note"),
    [
        ("li", None),
        ("td", None),
        ("th", "Table header"),
        ("dt", "Term in a definition list"),
        ("dd", None),
        ("caption", "Table caption"),
        ("figcaption", "Figure caption"),
        ("label", "Form field label"),
        ("button", "Button label"),
        ("legend", "Title of a group of form fields"),
        ("summary", "Heading of a collapsible section"),
        ("blockquote", None),
        ("section", None),
    ],
)
def test_each_block_element_is_a_unit_of_its_own(tag: str, note: str | None) -> None:
    found = units(f"<div>Intro <{tag}>Some text</{tag}> outro</div>")
    assert [(u.source, u.note) for u in found] == [
        ("Intro", None),
        ("Some text", note),
        ("outro", None),
    ]


@pytest.mark.parametrize(
    "tag", ["a", "em", "strong", "b", "i", "span", "abbr", "sub", "sup", "small", "mark", "q"]
)
def test_inline_elements_stay_inside_the_unit(tag: str) -> None:
    (unit,) = units(f"<div>Intro <{tag}>some</{tag}> outro</div>")
    assert unit.source == "Intro <1>some</1> outro"


def test_title_and_options_are_units() -> None:
    found = units("<title>My &amp; page</title><select><option>Yes<option>No</select>")
    assert [(u.source, u.note) for u in found] == [
        ("My & page", "Page title, shown in the browser tab"),
        ("Yes", "Choice in a drop-down list"),
        ("No", "Choice in a drop-down list"),
    ]


def test_text_around_nested_blocks_makes_separate_units() -> None:
    text = "<div>Before <p>inside</p> after</div><blockquote>Quote<p>para</p></blockquote>"
    assert sources(text) == ["Before", "inside", "after", "Quote", "para"]


def test_an_inline_element_around_a_block_is_a_block() -> None:
    assert sources('<a href="/"><div>Card</div>More</a>') == ["Card", "More"]


def test_unclosed_paragraphs_and_list_items_end_at_the_next_block() -> None:
    text = "<p>One\n<p>Two<ul><li>A<li>B <b>bold</ul><table><tr><td>x<td>y</table>Tail"
    assert sources(text) == ["One", "Two", "A", "B <1/>bold", "x", "y", "Tail"]


def test_unclosed_inline_element_protects_its_start_tag_alone() -> None:
    (unit,) = units("<p>A <b>bold</p>")
    assert unit.source == "A <1/>bold"
    assert unit.placeholders[0].text == "<b>"


def test_stray_end_tags_and_comments_inside_a_block_are_standalone_tags() -> None:
    (unit,) = units("<p>A </i> b <!-- note --> c</p>")
    assert unit.source == "A <1/> b <2/> c"
    assert [p.text for p in unit.placeholders] == ["</i>", "<!-- note -->"]


def test_void_and_code_elements_are_standalone_tags() -> None:
    (unit, alt) = units(
        '<p>Run <code>ls &lt;dir&gt;</code> or <kbd>Ctrl</kbd><br/><img src=a alt="A cat"></p>'
    )
    assert unit.source == "Run <1/> or <2/><3/><4/>"
    assert [p.text for p in unit.placeholders] == [
        "<code>ls &lt;dir&gt;</code>",
        "<kbd>Ctrl</kbd>",
        "<br/>",
        '<img src=a alt="A cat">',
    ]
    assert (alt.source, alt.key) == ("A cat", "e5.alt")


def test_xhtml_self_closed_elements_are_standalone_tags() -> None:
    (unit,) = units("<p>One<br />two<span class='x'/> three</p>")
    assert unit.source == "One<1/>two<2/> three"


def test_inline_element_without_text_is_one_standalone_tag() -> None:
    (unit, alt) = units('<p>Logo: <a href="/"><img src=l.png alt=Home></a> here</p>')
    assert unit.source == "Logo: <1/> here"
    assert unit.placeholders[0].text == '<a href="/"><img src=l.png alt=Home></a>'
    assert alt.source == "Home"


def test_entities_are_decoded_in_the_source() -> None:
    (unit,) = units("<p>Fish &amp; chips&nbsp;&#8212; &eacute;t&#xE9; &lt;b&gt; &copy</p>")
    assert unit.source == "Fish & chips\u00a0\u2014 été <b> ©"


def test_text_that_reads_like_a_tag_is_protected() -> None:
    (unit,) = units("<p>Press &lt;1&gt; or <2/> then <b>go</b></p>")
    assert unit.source == "Press <1/> or <2/> then <3>go</3>"
    assert [p.text for p in unit.placeholders][:2] == ["&lt;1&gt;", "<2/>"]


def test_translated_attributes_become_units_in_document_order() -> None:
    text = (
        "<p title=\"Tip\">Text <abbr title='World &amp; Co'>WHO</abbr></p>"
        '<input placeholder=Name aria-label="Your name" value="not sent">'
    )
    found = units(text)
    assert [(u.key, u.source) for u in found] == [
        ("e1.title", "Tip"),
        ("e1.t0", "Text <1>WHO</1>"),
        ("e2.title", "World & Co"),
        ("e3.placeholder", "Name"),
        ("e3.aria-label", "Your name"),
    ]
    assert [u.locator["quote"] for u in found if "quote" in u.locator] == ['"', "'", "", '"']
    assert found[2].note == "Tooltip (title attribute) of <abbr>"
    raw = [text[u.locator["start"] : u.locator["end"]] for u in found if "quote" in u.locator]
    assert raw == ["Tip", "World &amp; Co", "Name", "Your name"]


def test_blank_or_repeated_attributes_are_not_sent() -> None:
    assert sources('<img alt="" title=" "><img alt="First" alt="Second"><p>x</p>') == [
        "First",
        "x",
    ]


@pytest.mark.parametrize(
    "hidden",
    [
        "<script>var s = '<p>Hidden</p>';</script>",
        "<style>p::after { content: 'Hidden' }</style>",
        "<pre>Hidden\n  code</pre>",
        "<code>Hidden</code>",
        "<textarea>Hidden</textarea>",
        "<!-- Hidden -->",
        "<!DOCTYPE html>",
        "<?php echo 'Hidden'; ?>",
        "<![CDATA[ Hidden ]]>",
        '<meta name="description" content="Hidden">',
        '<a href="Hidden" class="Hidden" data-x="Hidden"></a>',
        "<p>&nbsp;</p>",
        "<p><img src=x.png></p>",
    ],
)
def test_never_sent(hidden: str) -> None:
    found = units(f"{hidden}<p>Shown</p>")
    assert [u.source for u in found] == ["Shown"]


def test_attributes_inside_never_sent_content_are_not_sent() -> None:
    assert sources('<pre><span title="Hidden">x</span></pre><p>Shown</p>') == ["Shown"]


def test_keys_name_the_place_not_the_text() -> None:
    assert [u.key for u in units("<p>Same</p><p>Same</p>")] == ["e1.t0", "e2.t0"]


def test_units_are_produced_lazily() -> None:
    result = HTML.split(b"<p>one</p><p>two</p>", OPTIONS)
    assert next(result.units).source == "one"


# --- meta: the declared charset ------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "charset", "rewritten"),
    [
        ("", None, None),
        ('<meta charset="UTF-8">', "utf-8", None),
        (
            '<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">',
            "windows-1252",
            "windows-1252",
        ),
        ('<?xml version="1.0" encoding="ISO-8859-1"?>', "iso-8859-1", "ISO-8859-1"),
    ],
)
def test_declared_charset_is_recorded(
    head: str, charset: str | None, rewritten: str | None
) -> None:
    spans = [[head.index(rewritten), head.index(rewritten) + len(rewritten)]] if rewritten else []
    assert split(f"{head}<p>Text</p>")[0].meta == {"charset": charset, "charset_spans": spans}


def test_a_non_utf8_declaration_is_rewritten_once_answers_are_in() -> None:
    text = "<meta charset='latin1'><p>Caf\u00e9</p>"
    assert assemble(text, {}) == text
    assert assemble(text, {"Caf\u00e9": "Caf\u00e9 cr\u00e8me"}) == (
        "<meta charset='utf-8'><p>Caf\u00e9 cr\u00e8me</p>"
    )


# --- assembly ------------------------------------------------------------------------------


def test_answers_are_escaped_outside_tags() -> None:
    text = "<p>Fish &amp; <b>chips</b></p>"
    assert assemble(text, {"Fish & <1>chips</1>": "<i> & <1>frites</1> > <9>"}) == (
        "<p>&lt;i&gt; &amp; <b>frites</b> &gt; &lt;9&gt;</p>"
    )


def test_attribute_answers_are_escaped_for_their_quotes() -> None:
    text = "<img alt=\"A\" title='B'><img alt=C>"
    out = assemble(text, {"A": 'Say "hi" & go', "B": "It's", "C": "two words"})
    assert out == '<img alt="Say &quot;hi&quot; &amp; go" title=\'It&#39;s\'><img alt="two words">'


def test_attribute_answers_inside_an_answered_block_land_in_its_tags() -> None:
    text = '<p>See <a href="/x" title="Go there">this</a> <img src=i alt=Pic></p>'
    out = assemble(
        text, {"See <1>this</1> <2/>": "Voir <1>ceci</1> <2/>", "Go there": "Aller", "Pic": "Image"}
    )
    assert out == '<p>Voir <a href="/x" title="Aller">ceci</a> <img src=i alt="Image"></p>'
    only_block = assemble(text, {"See <1>this</1> <2/>": "<2/> <1>ceci</1>"})
    assert only_block == '<p><img src=i alt=Pic> <a href="/x" title="Go there">ceci</a></p>'


def test_tags_come_from_the_locator_not_the_piece() -> None:
    text = "<p>A <b>b</b></p>"
    result, (unit,) = split(text)
    out = HTML.assemble(
        text.encode(), result.meta, [Piece(unit.locator, "<1>B</1> a")], AssembleOptions()
    )
    assert out == b"<p><b>B</b> a</p>"


def test_no_answers_gives_back_the_upload() -> None:
    data = b"\xef\xbb\xbf<!DOCTYPE html>\r\n<P CLASS=x>Caf\xc3\xa9 &AMP; <B>bar</B>\r\n"
    result = HTML.split(data, OPTIONS)
    pieces = [Piece(u.locator, None) for u in result.units]
    assert HTML.assemble(data, result.meta, pieces, AssembleOptions()) is data


def test_bom_is_never_part_of_a_unit() -> None:
    (unit,) = units("\ufeffHello")
    assert unit.source == "Hello"
    assert assemble("\ufeffHello", {"Hello": "Bonjour"}) == "\ufeffBonjour"


def test_plural_answer_is_refused() -> None:
    result, (unit,) = split("<p>A</p>")
    with pytest.raises(FormatError, match="single string"):
        HTML.assemble(
            b"<p>A</p>", result.meta, [Piece(unit.locator, ["a", "b"])], AssembleOptions()
        )


@pytest.mark.parametrize(
    "locator",
    [
        {"start": 3, "end": 4},
        {"start": 3, "end": 4, "tags": [["<1>", 0, 9]]},
        {"start": 3, "end": 4, "tags": [["b", 3, 4]]},
        {"start": 0, "end": 1, "quote": "`"},
        {"start": "3", "end": 4, "tags": []},
    ],
)
def test_foreign_locators_are_refused(locator: dict[str, Any]) -> None:
    with pytest.raises(FormatError, match="invalid locator"):
        HTML.assemble(b"<p>A</p>", {}, [Piece(locator, "x")], AssembleOptions())


def test_overlapping_answers_are_refused() -> None:
    pieces = [
        Piece({"start": 0, "end": 5, "tags": []}, "x"),
        Piece({"start": 1, "end": 2, "quote": ""}, "y"),
    ]
    with pytest.raises(FormatError, match="overlap"):
        HTML.assemble(b"<p>A</p>", {}, pieces, AssembleOptions())


# --- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<p>Caf\xe9</p>", "not valid UTF-8: byte 0xe9 at offset 6"),
        ("<p>Hi</p>".encode("utf-16"), "UTF-16"),
        (b"<p>a\x00b</p>", "NUL byte at offset 4"),
        (b"", "empty"),
        ("\ufeff \n\t".encode(), "empty"),
        (b"<!DOCTYPE html><html><body><img src=x><script>x()</script></body></html>", "no text"),
        (b"<p>Hi</p>\n<!-- unclosed comment", "at line 2, column 1"),
        (b"<p>Hi</p><script>var x = 1;", "<script> at line 1, column 10 is never closed"),
        (b"<title>Page", "<title> at line 1, column 1 is never closed"),
        (b"<p>Hi</p>\n<div class='x", "unclosed or malformed markup at line 2, column 1"),
        (b"<p>Hi</p>\n<b>A <!DOCTYPE html", "unclosed or malformed markup at line 2, column 6"),
        (b"<div>" * 300 + b"deep", "nested more than 256 deep"),
    ],
)
def test_bad_input_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(FormatError, match=re.escape(message)):
        list(HTML.split(data, OPTIONS).units)


# --- generated documents -------------------------------------------------------------------

_TEXT_PIECES = [
    *("Hello", "world", "café", "naïve", "Straße", "42", "ﬁn", "a b", "x"),
    *("&amp;", "&lt;", "&gt;", "&nbsp;", "&#233;", "&#xE9;", "&eacute;", "&quot;", "&#39;"),
    *(" ", " ", "\n", " < ", " > ", "'", '"', " & "),
]
_text = st.lists(st.sampled_from(_TEXT_PIECES), min_size=1, max_size=4).map("".join)
_ATOMS = [
    "<br>",
    "<br/>",
    "<wbr>",
    "<code>a &lt; b &amp;&amp; c</code>",
    "<kbd>Ctrl</kbd>",
    "<!-- a comment -->",
    "<script>if (a < b && c) { s = '</p>'; }</script>",
    "<input placeholder='Your name'>",
]
_INLINE_TAGS = ["b", "em", "a", "span", "strong", "i", "abbr", "q", "sub"]


@st.composite
def _attributes(draw: st.DrawFn, names: tuple[str, ...] = ("title", "class", "aria-label")) -> str:
    """Attributes in every quoting style, with references, quotes and ampersands in values."""
    out = []
    for name in draw(st.lists(st.sampled_from(names), unique=True, max_size=2)):
        value, quote = draw(_text), draw(st.sampled_from(['"', "'", ""]))
        if quote == "'":
            out.append(f" {name}='{value.replace(chr(39), '&#39;')}'")
        elif quote == "" and value.isalnum():
            out.append(f" {name}={value}")
        else:
            out.append(f' {name}="{value.replace(chr(34), "&quot;")}"')
    return "".join(out)


@st.composite
def _phrase(draw: st.DrawFn, depth: int = 2) -> str:
    """Text mixed with inline elements, images, line breaks, code, comments and scripts."""
    parts = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.integers(0, 3 if depth else 2))
        if kind < 2:
            parts.append(draw(_text))
        elif kind == 2:
            atom = draw(st.one_of(st.sampled_from(_ATOMS), _attributes(("alt", "title"))))
            parts.append(atom if atom.startswith("<") else f"<img src=p.png{atom}>")
        else:
            tag = draw(st.sampled_from(_INLINE_TAGS))
            parts.append(f"<{tag}{draw(_attributes())}>{draw(_phrase(depth - 1))}</{tag}>")
    return "".join(parts)


@st.composite
def _block(draw: st.DrawFn, depth: int = 2) -> str:
    """A block: closed or unclosed paragraphs, lists, tables, forms, code and nested sections."""
    kind = draw(st.integers(0, 9 if depth else 8))
    phrase, text, attributes = _phrase(), _text, _attributes()
    if kind == 0:
        tag, closed = draw(st.sampled_from(["p", "li", "dd"])), draw(st.booleans())
        body = f"<{tag}{draw(attributes)}>{draw(phrase)}" + (f"</{tag}>" if closed else "")
        return f"<div>{body}</div>"
    if kind == 1:
        tag = draw(st.sampled_from(["h1", "h2", "blockquote", "figcaption", "button", "label"]))
        return f"<{tag}{draw(attributes)}>{draw(phrase)}</{tag}>"
    if kind == 2:
        return f"<table><tr><td>{draw(phrase)}<td>{draw(phrase)}</table>"
    if kind == 3:
        return f"<ul><li>{draw(phrase)}<li>{draw(phrase)}</ul>"
    if kind == 4:
        return f"<select><option>{draw(text)}<option>{draw(text)}</select>"
    if kind == 5:
        return f"<pre>{draw(text)}</pre><textarea>{draw(text)}</textarea>"
    if kind in (6, 7):
        return f"<p>{draw(phrase)}</p>"
    if kind == 8:
        return draw(st.sampled_from(["<style>p > b { color: red }</style>", "<!-- <p>x</p> -->"]))
    tag = draw(st.sampled_from(["div", "section", "blockquote", "article"]))
    children = "".join(draw(st.lists(_block(depth - 1), min_size=1, max_size=3)))
    before, after = draw(st.one_of(st.just(""), phrase)), draw(st.one_of(st.just(""), phrase))
    return f"<{tag}{draw(attributes)}>{before}{children}{after}</{tag}>"


@st.composite
def _documents(draw: st.DrawFn) -> str:
    """A fragment or a whole page; it always has a heading, so there is text to translate."""
    blocks = [f"<h1>{draw(_text.filter(str.strip))}x</h1>", *draw(st.lists(_block(), max_size=3))]
    body = draw(st.sampled_from(["", "\n", "\r\n  "])).join(blocks)
    if draw(st.booleans()):
        title = f"<title>{draw(_text)}</title>"
        body = f"<html><head><meta charset=utf-8>{title}</head><body>{body}</body></html>"
    return draw(st.sampled_from(["", "<!DOCTYPE html>\n"])) + body


_SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(_documents())
def test_round_trip_with_no_answers_is_byte_exact(text: str) -> None:
    result, found_units = split(text)
    data = text.encode()
    assert HTML.assemble(data, result.meta, [], AssembleOptions()) == data
    pieces = [Piece(u.locator, None, u.placeholders) for u in found_units]
    assert HTML.assemble(data, result.meta, pieces, AssembleOptions()) == data


@_SETTINGS
@given(_documents())
def test_units_are_well_formed(text: str) -> None:
    found = split(text)
    blocks = [u for u in found[1] if "tags" in u.locator]
    assert len({u.key for u in found[1]}) == len(found[1])
    for before, after in itertools.pairwise(blocks):
        assert before.locator["end"] <= after.locator["start"]
    for unit in blocks:
        start, end = unit.locator["start"], unit.locator["end"]
        assert text[start:end] == text[start:end].strip() != ""
        assert markup.check_markup(unit.placeholders, unit.source) == []
        assert [p.token for p in unit.placeholders] == [t[0] for t in unit.locator["tags"]]
        for placeholder, (_, tag_start, tag_end) in zip(
            unit.placeholders, unit.locator["tags"], strict=True
        ):
            assert start <= tag_start <= tag_end <= end
            assert text[tag_start:tag_end] == placeholder.text


@_SETTINGS
@given(_documents())
def test_the_source_as_answer_keeps_the_page(text: str) -> None:
    found = split(text)
    pieces = [Piece(u.locator, u.source, u.placeholders) for u in found[1]]
    out = HTML.assemble(text.encode(), found[0].meta, pieces, AssembleOptions()).decode()
    assert shape(parsed(out)) == shape(parsed(text))


@_SETTINGS
@given(_documents())
def test_answers_change_only_the_text_volunteers_see(text: str) -> None:
    """Every unit upper-cased: the same tree, with exactly the sent text upper-cased."""
    found = split(text)
    pieces = [Piece(u.locator, u.source.upper(), u.placeholders) for u in found[1]]
    out = HTML.assemble(text.encode(), found[0].meta, pieces, AssembleOptions()).decode()
    assert shape(parsed(out)) == shape(parsed(text), upper=True)
