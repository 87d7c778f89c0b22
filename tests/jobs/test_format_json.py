"""JSON i18n bundles: string values out by JSON pointer, answers back in place, ICU protected."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tasks_service.jobs.formats import FormatError, Piece, Unit
from tasks_service.jobs.formats.base import AssembleOptions, SplitOptions
from tasks_service.jobs.formats.json_kv import JSON_KV
from tasks_service.jobs.formats.markup import check_markup, expand

FR = SplitOptions(source_language="en", target_language="fr")

BUNDLE = """\
{
  "menu": {
    "open": "Open",
    "save": "Save \\u00e9",
    "a/b~c": "Slash and tilde",
    "quote": "Say \\"hi\\"\\n"
  },
  "items": ["One", "", 3, true, null, "Two {name}"],
  "count": "{count, plural, one {# item} other {# items}}",
  "@count": {"description": "How many items are in the cart", "type": "text"},
  "@@locale": "en",
  "version": 2,
  "blank": "   ",
  "only": "{name}",
  "empty": {}
}
"""


def units(text: str | bytes) -> list[Unit]:
    result = JSON_KV.split(text.encode() if isinstance(text, str) else text, FR)
    assert result.meta == {}
    return list(result.units)


def by_key(text: str) -> dict[str, Unit]:
    return {unit.key: unit for unit in units(text)}


def assemble(data: bytes, pieces: list[Piece]) -> bytes:
    return JSON_KV.assemble(data, {}, pieces, AssembleOptions(target_language="fr"))


def answer(text: str, answers: dict[str, str]) -> Any:
    found = by_key(text)
    pieces = [Piece(found[k].locator, a, found[k].placeholders) for k, a in answers.items()]
    return json.loads(assemble(text.encode(), pieces))


def test_format_attributes() -> None:
    assert JSON_KV.name == "json"
    assert JSON_KV.extensions == (".json",)
    assert JSON_KV.media_type == "application/json"
    assert JSON_KV.kinds == ("translate",)
    assert JSON_KV.adds_answer_column is False


def test_every_string_with_text_is_a_unit_keyed_by_its_pointer() -> None:
    found = units(BUNDLE)
    assert [u.key for u in found] == [
        "/menu/open",
        "/menu/save",
        "/menu/a~1b~0c",
        "/menu/quote",
        "/items/0",
        "/items/5",
        "/count",
    ]
    assert [u.source for u in found[:4]] == ["Open", "Save é", "Slash and tilde", 'Say "hi"\n']


def test_keys_numbers_and_metadata_are_never_sent() -> None:
    sources = [u.source for u in units(BUNDLE)]
    assert "en" not in sources
    for never in ("menu", "open", "version", "How many", "@", "true", "null"):
        assert not any(never in source for source in sources)


def test_locator_is_the_string_literal_with_its_quotes() -> None:
    found = by_key(BUNDLE)
    spans = {k: BUNDLE[u.locator["start"] : u.locator["end"]] for k, u in found.items()}
    assert spans["/menu/save"] == '"Save \\u00e9"'
    assert spans["/menu/quote"] == '"Say \\"hi\\"\\n"'
    assert found["/menu/save"].locator["ascii"] is True
    assert found["/menu/quote"].locator["ascii"] is False


def test_notes_name_the_key_and_carry_arb_descriptions() -> None:
    found = by_key(BUNDLE)
    assert found["/count"].note == "Key: /count\nHow many items are in the cart"
    assert found["/menu/open"].note == "Key: /menu/open"


def test_brace_and_i18next_variables_are_protected_as_written() -> None:
    text = '{"a": "Hi {name}, {0} and {{user}}: {n, number} {total:.2f} {not a var} {{x}}"}'
    (unit,) = units(text)
    assert unit.source == "Hi {name}, {0} and {{user}}: {n, number} {total:.2f} {not a var} {{x}}"
    assert [(p.token, p.text) for p in unit.placeholders] == [
        (t, t) for t in ["{name}", "{0}", "{{user}}", "{n, number}", "{total:.2f}", "{{x}}"]
    ]


def test_icu_plural_syntax_becomes_markup_and_the_branches_stay_text() -> None:
    unit = by_key(BUNDLE)["/count"]
    assert unit.source == "<1><2># item</2><3># items</3></1>"
    assert [(p.token, p.text) for p in unit.placeholders] == [
        ("<1>", "{count, plural,"),
        ("<2>", " one {"),
        ("</2>", "}"),
        ("<3>", " other {"),
        ("</3>", "}"),
        ("</1>", "}"),
    ]
    assert check_markup(unit.placeholders, "<1><2># article</2><3># articles</3></1>") == []
    assert "missing tag <3>" in check_markup(unit.placeholders, "<1><2># article</2></1>")


def test_nested_select_and_plural_with_variables() -> None:
    message = (
        "{gender, select, male {He has {count, plural, =0 {no {kind}} other {# {kind}}}} "
        "other {They}}"
    )
    (unit,) = units(json.dumps({"m": message}))
    assert unit.source == "<1><2>He has <3><4>no {kind}</4><5># {kind}</5></3></2><6>They</6></1>"
    assert [p.text for p in unit.placeholders if p.token == "<6>"] == [" other {"]
    assert [p.token for p in unit.placeholders if p.token == p.text] == ["{kind}", "{kind}"]
    assert expand(unit.source, unit.placeholders) == message


def test_icu_quotes_and_broken_icu() -> None:
    quoted = "{n, plural, one {it'{'s one} other {'{x}' many}}"
    (unit,) = units(json.dumps({"q": quoted}))
    assert unit.source == "<1><2>it'{'s one</2><3>'{x}' many</3></1>"
    broken = "Broken {n, plural, one {x} and {name}"
    (unit,) = units(json.dumps({"b": broken}))
    assert unit.source == broken
    assert [p.token for p in unit.placeholders] == ["{x}", "{name}"]


def test_tags_the_string_already_has_are_protected_and_numbered_around() -> None:
    text = json.dumps({"t": "Hello <1>{{name}}</1>, {n, select, a {A} other {B}}"})
    (unit,) = units(text)
    assert unit.source == "Hello <1>{{name}}</1>, <2><3>A</3><4>B</4></2>"
    assert [(p.token, p.text) for p in unit.placeholders[:3]] == [
        ("<1>", "<1>"),
        ("{{name}}", "{{name}}"),
        ("</1>", "</1>"),
    ]
    assert expand(unit.source, unit.placeholders) == json.loads(text)["t"]


@pytest.mark.parametrize(
    "text",
    [
        BUNDLE,
        BUNDLE.replace("\n", "\r\n"),
        "\ufeff" + BUNDLE,
        json.dumps(json.loads(BUNDLE), separators=(",", ":")),
        json.dumps(json.loads(BUNDLE), indent="\t", ensure_ascii=False),
    ],
)
def test_no_answers_gives_back_the_upload(text: str) -> None:
    data = text.encode()
    found = units(data)
    assert assemble(data, [Piece(u.locator, None) for u in found]) is data
    assert assemble(data, []) is data


def test_answers_replace_only_their_strings() -> None:
    out = assemble(
        BUNDLE.encode(),
        [Piece(by_key(BUNDLE)["/menu/open"].locator, 'Ouvrir "tout"\\ \n\t\x01 ✓')],
    ).decode()
    assert out == BUNDLE.replace('"Open"', '"Ouvrir \\"tout\\"\\\\ \\n\\t\\u0001 ✓"')


def test_strings_written_with_unicode_escapes_stay_ascii() -> None:
    out = assemble(
        BUNDLE.encode(), [Piece(by_key(BUNDLE)["/menu/save"].locator, "Enregistrer é")]
    ).decode()
    assert '"save": "Enregistrer \\u00e9"' in out
    assert json.loads(out)["menu"]["save"] == "Enregistrer é"


def test_icu_answer_is_expanded_back_to_icu_syntax() -> None:
    out = answer(BUNDLE, {"/count": "<1><2># article</2><3># articles</3></1>"})
    assert out["count"] == "{count, plural, one {# article} other {# articles}}"
    assert out["items"] == ["One", "", 3, True, None, "Two {name}"]
    assert out["@count"] == {"description": "How many items are in the cart", "type": "text"}


def test_a_lone_surrogate_in_an_answer_is_written_escaped() -> None:
    out = answer(BUNDLE, {"/menu/open": "a\ud800b"})
    assert out["menu"]["open"] == "a\ud800b"


def test_answers_must_be_strings_and_belong_to_the_file() -> None:
    found = by_key(BUNDLE)
    with pytest.raises(FormatError, match="single string"):
        assemble(BUNDLE.encode(), [Piece(found["/menu/open"].locator, ["a"])])
    shifted = BUNDLE.replace("{\n", "{ \n", 1).encode()
    with pytest.raises(FormatError, match="does not point at a string"):
        assemble(shifted, [Piece(found["/menu/open"].locator, "x")])
    with pytest.raises(FormatError, match="does not point at a string"):
        assemble(BUNDLE.encode(), [Piece({"start": 10**6, "end": 10**6 + 2}, "x")])


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty"),
        (b"\xef\xbb\xbf \n", "the file is empty"),
        (b'{"a": "b",\n "c" "d"}', r"invalid JSON at line 2, column 6: Expecting ':' delimiter"),
        (b'{"a": "b"', r"invalid JSON at line 1, column 10"),
        (b"{'a': 'b'}", "invalid JSON at line 1, column 2"),
        (b'["a", "b"]', "top level of the JSON file is an array; a bundle must be an object"),
        (b'"text"', "top level of the JSON file is a string"),
        (b"null", "top level of the JSON file is null"),
        (b'{"menu": {"open": "a",\n "open": "b"}}', r'the key "/menu/open" appears twice'),
        (b'{"a": "caf\xe9"}', "not valid UTF-8: byte 0xe9 at offset 10"),
        (b'{"a": 1, "b": [true, null], "c": {"d": 2.5}}', "no text to translate"),
        (b'{"a": "", "b": "  ", "c": "{name}"}', "no text to translate"),
        (b'{"a": NaN}', "NaN is not a JSON value"),
        (b'{"a": "x\x00"}', "NUL byte"),
        (b'{"a":' * 5000 + b'"x"' + b"}" * 5000, "nested too deeply"),
        (b'{"a":' * 600 + b'"x"' + b"}" * 600, "nested too deeply"),
    ],
)
def test_bad_files_are_refused_with_a_reason(data: bytes, message: str) -> None:
    with pytest.raises(FormatError, match=message):
        JSON_KV.split(data, FR)


# Generated bundles: every string with text comes out, and answers land as JSON strings.

_WORD = st.text(
    st.characters(exclude_categories=["Cs"], exclude_characters="{}<>'@"), min_size=1, max_size=8
).filter(str.strip)
_VARIABLE = st.sampled_from(["{name}", "{0}", "{{count}}", "{n, number}", "{when, date, short}"])
_BRANCHES = st.lists(st.tuples(st.sampled_from(["one", "=0", "few", "male"]), _WORD), min_size=1)


@st.composite
def _icu(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["plural", "select", "selectordinal"]))
    branches = "".join(f" {selector} {{{text}}}" for selector, text in draw(_BRANCHES))
    return f"{{arg, {kind},{branches} other {{{draw(_WORD)}}}}}"


_MESSAGE = st.builds(
    lambda first, rest: first + "".join(rest),
    _WORD,
    st.lists(st.one_of(_WORD, _VARIABLE, _icu()), max_size=3),
)
_KEY = st.text(max_size=6).filter(lambda key: not key.startswith("@"))
_LEAF = st.one_of(
    _MESSAGE,
    st.sampled_from(["", "  "]),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
)
_VALUE = st.recursive(
    _LEAF,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEY, inner, max_size=3),
    max_leaves=12,
)


def _strings(value: Any, path: str = "") -> list[tuple[str, str]]:
    if isinstance(value, dict):
        steps = [(k.replace("~", "~0").replace("/", "~1"), v) for k, v in value.items()]
    elif isinstance(value, list):
        steps = [(str(i), v) for i, v in enumerate(value)]
    else:
        return [(path, value)] if isinstance(value, str) and value.strip() else []
    return [found for step, v in steps for found in _strings(v, f"{path}/{step}")]


@st.composite
def bundles(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    bundle = draw(st.dictionaries(_KEY, _VALUE, max_size=4))
    if draw(st.integers(0, 9)):  # mostly a bundle with something to translate
        bundle[draw(_KEY)] = draw(st.lists(_MESSAGE, min_size=1, max_size=3))
    text = json.dumps(
        bundle,
        indent=draw(st.sampled_from([None, 2, "\t"])),
        ensure_ascii=draw(st.booleans()),
        separators=draw(st.sampled_from([None, (",", ":"), (" , ", " : ")])),
    )
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")  # layout only: newlines in strings are escaped
    return ("\ufeff" if draw(st.booleans()) else "") + text, bundle


def _upper(unit: Unit) -> str:
    """The source upper-cased, its variables and tags kept as they are."""
    tokens = sorted({p.token for p in unit.placeholders}, key=len, reverse=True)
    out, position = [], 0
    while position < len(unit.source):
        token = next((t for t in tokens if unit.source.startswith(t, position)), None)
        out.append(token or unit.source[position].upper())
        position += len(token or " ")
    return "".join(out)


def _at(value: Any, pointer: str) -> Any:
    for step in pointer.split("/")[1:]:
        step = step.replace("~1", "/").replace("~0", "~")
        value = value[int(step)] if isinstance(value, list) else value[step]
    return value


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bundles(), st.booleans())
def test_generated_bundles_split_and_assemble(generated: tuple[str, Any], same: bool) -> None:
    text, bundle = generated
    data = text.encode()
    expected = _strings(bundle)
    if not expected:
        with pytest.raises(FormatError, match="no text to translate"):
            JSON_KV.split(data, FR)
        return
    found = units(data)
    assert [(u.key, expand(u.source, u.placeholders)) for u in found] == expected
    assert all(check_markup(u.placeholders, u.source) == [] for u in found)
    assert assemble(data, [Piece(u.locator, None) for u in found]) is data
    answers = {u.key: u.source if same else _upper(u) for u in found}
    pieces = [Piece(u.locator, answers[u.key], u.placeholders) for u in found]
    out = assemble(data, pieces).decode()
    parsed = json.loads(out.removeprefix("\ufeff"))
    if same:
        assert parsed == bundle
    for unit, again in zip(found, units(out.encode()), strict=True):
        assert _at(parsed, unit.key) == expand(answers[unit.key], unit.placeholders)
        literal = out[again.locator["start"] : again.locator["end"]]
        assert literal.isascii() or not unit.locator["ascii"]  # \u-escaped strings stay so
    assert _strings(parsed, "") == [(k, _at(parsed, k)) for k, _ in expected]
