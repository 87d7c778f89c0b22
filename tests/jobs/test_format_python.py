"""Python source: undocumented public definitions out, docstrings in, every other byte kept."""

from __future__ import annotations

import ast
import inspect
import io
import re
import tokenize
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tasks_service.jobs.formats import FormatError, Piece, Unit
from tasks_service.jobs.formats.base import AssembleOptions, SplitOptions
from tasks_service.jobs.formats.python_source import PYTHON

OPTIONS = SplitOptions(source_language="en")

Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


def units(data: bytes) -> list[Unit]:
    split = PYTHON.split(data, OPTIONS)
    assert split.meta == {}
    return list(split.units)


def assemble(data: bytes, pieces: list[Piece]) -> bytes:
    return PYTHON.assemble(data, {}, pieces, AssembleOptions())


def answer_all(data: bytes, answer: str) -> str:
    return assemble(data, [Piece(u.locator, answer) for u in units(data)]).decode()


MODULE = '''\
"""A module docstring is not a unit."""
import functools


def public(a, b=1, *args, key, **options):
    return a


async def fetch(url, /, *, timeout):
    # comment before the first statement
    return url


def _private():
    pass


def documented():
    """Already documented."""


class Shape(Base, metaclass=Meta):
    sides = 0

    def __init__(self, sides, *, name):
        self.sides = sides

    def __repr__(self):
        return "Shape"

    @functools.cache
    def area(self, scale):
        def helper(x):
            return x
        return helper(scale)

    @staticmethod
    def parse(text): return Shape(1, name=text)

    @property
    def name(self): return "n"

    @name.setter
    def name(self, value): pass

    class Inner:
        """Documented."""

        def walk(self): pass


class _Hidden:
    def visible_name(self): pass


if TYPE_CHECKING:
    def typed(x): ...
else:
    def typed(x): return x
'''


def test_units_are_the_undocumented_public_definitions() -> None:
    found = units(MODULE.encode())
    assert [u.key for u in found] == [
        "public",
        "fetch",
        "Shape",
        "Shape.area",
        "Shape.parse",
        "Shape.name",
        "Shape.Inner.walk",
        "typed",
        "typed#2",
    ]
    assert all(u.placeholders == () for u in found)


def test_notes_name_the_definition_and_its_parameters() -> None:
    notes = {u.key: u.note for u in units(MODULE.encode())}
    assert notes["public"] == "function public(a, b, *args, key, **options)"
    assert notes["fetch"] == "async function fetch(url, *, timeout)"
    assert notes["Shape"] == "class Shape, constructed as Shape(sides, *, name)"
    assert notes["Shape.area"] == "method Shape.area(scale)"
    assert notes["Shape.parse"] == "method Shape.parse(text)"
    assert notes["Shape.Inner.walk"] == "method Shape.Inner.walk()"
    assert notes["typed"] == "function typed(x)"


def test_source_is_the_whole_definition_with_decorators_left_aligned() -> None:
    by_key = {u.key: u.source for u in units(MODULE.encode())}
    assert by_key["Shape.area"] == (
        "@functools.cache\n"
        "def area(self, scale):\n"
        "    def helper(x):\n"
        "        return x\n"
        "    return helper(scale)"
    )
    assert by_key["public"] == "def public(a, b=1, *args, key, **options):\n    return a"
    assert by_key["Shape"].startswith("class Shape(Base, metaclass=Meta):\n    sides = 0\n")
    assert by_key["Shape"].endswith("        def walk(self): pass")


def test_block_locator_points_at_the_first_statement() -> None:
    text = MODULE
    fetch = next(u for u in units(text.encode()) if u.key == "fetch")
    start = fetch.locator["start"]
    assert fetch.locator == {
        "start": start,
        "end": start,
        "inline": False,
        "indent": "    ",
        "newline": "\n",
    }
    assert text[start:].startswith("return url")


def test_one_line_locator_spans_from_the_colon_to_the_statement() -> None:
    text = MODULE
    parse = next(u for u in units(text.encode()) if u.key == "Shape.parse")
    assert parse.locator["inline"] is True
    assert text[parse.locator["start"] - 1] == ":"
    assert text[parse.locator["start"] : parse.locator["end"]] == " "
    assert parse.locator["indent"] == "        "


def test_answer_goes_first_in_the_body_and_nothing_else_moves() -> None:
    data = b"def f(x):\n    # keep me\n    return x  # and me\n"
    assert answer_all(data, "Return x.") == (
        'def f(x):\n    # keep me\n    """Return x."""\n    return x  # and me\n'
    )


def test_a_decorated_first_statement_gets_the_docstring_above_its_decorators() -> None:
    data = b"class A:\n    @property\n    def f(self):\n        return 1\n"
    out = assemble(data, [Piece(units(data)[0].locator, "An A.")])
    assert out == b'class A:\n    """An A."""\n    @property\n    def f(self):\n        return 1\n'


def test_one_line_body_becomes_an_indented_block() -> None:
    data = b"class A:\n\tdef f(self): x = 1; return x  # tail\n"
    assert answer_all(data, "Do f.") == (
        'class A:\n\t"""Do f."""\n\tdef f(self):\n\t\t"""Do f."""\n\t\tx = 1; return x  # tail\n'
    )


def test_one_line_body_after_a_multi_line_signature_and_continuation() -> None:
    data = b"def f(\n    a,\n): \\\n    return a"
    assert answer_all(data, "F.") == 'def f(\n    a,\n):\n    """F."""\n    return a'


def test_multi_line_answer_gets_the_pep_257_layout() -> None:
    data = b"class A:\r\n    def f(self):\r\n        pass\r\n"
    answer = "Summary line.\n\nDetails, with\n    an indented example."
    out = assemble(data, [Piece(units(data)[1].locator, answer)]).decode()
    assert out == (
        "class A:\r\n    def f(self):\r\n"
        '        """Summary line.\r\n'
        "\r\n"
        "        Details, with\r\n"
        "            an indented example.\r\n"
        '        """\r\n'
        "        pass\r\n"
    )
    method = ast.parse(out).body[0].body[0]  # type: ignore[attr-defined]
    assert ast.get_docstring(method) == answer


@pytest.mark.parametrize(
    ("answer", "literal"),
    [
        ("Plain.", '"""Plain."""'),
        ("Match \\d+ digits.", 'r"""Match \\d+ digits."""'),
        ('Say """hi""".', '"""Say \\"\\""hi\\"\\""."""'),
        ('Ends with a "quote"', '"""Ends with a "quote\\""""'),
        ("Ends with \\", '"""Ends with \\\\"""'),
        ('Both \\ and """', '"""Both \\\\ and \\"\\"\\""""'),
        ("NUL \x00 and \ud800", '"""NUL \\u0000 and \\ud800"""'),
    ],
)
def test_answers_are_quoted_so_python_reads_them_back(answer: str, literal: str) -> None:
    data = b"def f():\n    pass\n"
    out = answer_all(data, answer)
    assert out == f"def f():\n    {literal}\n    pass\n"
    assert ast.get_docstring(ast.parse(out).body[0]) == answer  # type: ignore[arg-type]


def test_answer_is_written_as_python_shows_it() -> None:
    data = b"def f():\n    pass\n"
    out = answer_all(data, "\r\n   Padded\r\n     and\r\n   indented.\r\n\r\n")
    assert out == 'def f():\n    """Padded\n      and\n    indented.\n    """\n    pass\n'


def test_bom_crlf_and_tabs_are_kept() -> None:
    data = "\ufeffdef é():\r\n\tpass\r\n".encode()
    (unit,) = units(data)
    assert unit.key == "é"
    assert unit.locator["start"] == len("\ufeffdef é():\r\n\t")
    assert assemble(data, [Piece(unit.locator, "Ü.")]) == (
        '\ufeffdef é():\r\n\t"""Ü."""\r\n\tpass\r\n'.encode()
    )


def test_offsets_count_characters_not_bytes() -> None:
    data = "s = 'ééé😀'\ndef f(): return 'é'\n".encode()
    (unit,) = units(data)
    text = data.decode()
    assert text[unit.locator["start"] - 1] == ":"
    assert text[unit.locator["end"] :].startswith("return 'é'")


def test_no_answers_or_blank_answers_give_back_the_upload() -> None:
    data = MODULE.encode()
    found = units(data)
    assert assemble(data, []) is data
    assert assemble(data, [Piece(u.locator, None) for u in found]) is data
    assert assemble(data, [Piece(u.locator, " \n\t") for u in found]) is data


def test_bad_pieces_are_refused() -> None:
    data = b"def f():\n    pass\n"
    (unit,) = units(data)
    with pytest.raises(FormatError, match="single string"):
        assemble(data, [Piece(unit.locator, ["a"])])
    with pytest.raises(FormatError, match="does not point at a definition"):
        assemble(data, [Piece({**unit.locator, "start": 1, "end": 1}, "Doc.")])
    with pytest.raises(FormatError, match="does not point at a definition"):
        assemble(data, [Piece({**unit.locator, "inline": True}, "Doc.")])
    for broken in ({**unit.locator, "indent": "x"}, {**unit.locator, "newline": "\t"}, {}):
        with pytest.raises(FormatError, match="invalid locator"):
            assemble(data, [Piece(broken, "Doc.")])


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty"),
        (b"\n  \n\t\n", "the file is empty"),
        ("\ufeff\n".encode(), "the file is empty"),
        (b"def f(:\n    pass\n", "Python syntax error at line 1, column 7"),
        (b"x = [1,\n", "line 1.*'\\[' was never closed"),
        (b"def f():\npass\n", "line 2.*expected an indented block"),
        (b"x = '\xe9'\n", "not valid UTF-8: byte 0xe9 at offset 5"),
        (b"# -*- coding: latin-1 -*-\nx = '\xe9'\n", "declares the encoding iso-8859-1"),
        (b"#!/usr/bin/env python\n# vim: set fileencoding=ascii :\n", "encoding ascii"),
        (b"# coding: klingon\n", "encoding declaration is not usable"),
        (b"x = 1\x00\n", "NUL byte"),
        ("def f(): pass\n".encode("utf-16"), "UTF-16"),
        (b"import os\nx = 1\n", "nothing to document"),
        (b'def f():\n    """Doc."""\nclass _A:\n    def g(self): pass\n', "nothing to document"),
        (b"def __init__(self): pass\ndef _f():\n    def inner(): pass\n", "nothing to document"),
        (b"def f(): pass\n" + b"x = 1\n" * 200_000, "1200014 bytes; Python files over 1000000"),
    ],
)
def test_bad_input_is_refused_with_a_reason(data: bytes, message: str) -> None:
    with pytest.raises(FormatError, match=message):
        units(data)


def test_utf8_coding_declarations_are_accepted() -> None:
    for line in (b"# -*- coding: utf-8 -*-\n", b"# coding=utf8\n", b"# vim: fileencoding=UTF-8\n"):
        assert [u.key for u in units(line + b"def f(): pass\n")] == ["f"]


# Generated modules


_STATEMENTS = st.sampled_from(
    ["pass", "...", "x = 1; y = 2", "print('é')", 'f"{x}"', 'b"bytes"', '"a" "b"', '("paren")']
)
_DECORATORS = st.sampled_from(
    ["@dec", "@functools.cache", "@staticmethod", "@overload", "@prop.setter", '@app.get("/")']
)
_PARAMS = st.sampled_from(["", "self", "self, x", "x, /, y=1, *args, z, **kw", "cls, *, key"])
_FUNCTIONS = st.sampled_from(["run", "go", "_hidden", "__init__", "__repr__", "parse", "été"])
_CLASSES = st.sampled_from(["Thing", "Box", "_Private"])
_TRAILING = st.sampled_from(["", "  # trailing", "\t# tab comment"])

Line = tuple[int | None, str]  # depth (None: written at column 0) and text


@st.composite
def _block(draw: st.DrawFn, depth: int) -> list[Line]:
    kinds = ["statement", "comment", "blank"] + (["def", "class", "if"] if depth < 3 else [])
    lines: list[Line] = []
    if draw(st.booleans()):
        lines.append((depth, draw(st.sampled_from(['"""Existing."""', "'''Old.'''", '""']))))
    for kind in draw(st.lists(st.sampled_from(kinds), min_size=1, max_size=4)):
        if kind == "statement":
            lines.append((depth, draw(_STATEMENTS) + draw(_TRAILING)))
        elif kind == "comment":
            lines.append((draw(st.sampled_from([depth, None])), "# comment é"))
        elif kind == "blank":
            lines.append((None, draw(st.sampled_from(["", "  ", "\t"]))))
        elif kind == "if":
            lines += [(depth, "if x:"), *draw(_block(depth + 1))]
        else:
            lines += draw(_definition(depth, kind))
    if all(line[0] is None or line[1].startswith("#") for line in lines):
        lines.append((depth, "pass"))
    return lines


@st.composite
def _definition(draw: st.DrawFn, depth: int, kind: str) -> list[Line]:
    lines: list[Line] = [(depth, d) for d in draw(st.lists(_DECORATORS, max_size=2))]
    if kind == "def":
        opening = f"{draw(st.sampled_from(['', 'async ']))}def {draw(_FUNCTIONS)}("
        params = draw(_PARAMS)
        head = f"{opening}{params})"
        if params and draw(st.booleans()):  # a signature over several lines
            lines += [(depth, opening), (depth + 1, f"{params},")]
            head = ")"
    else:
        head = f"class {draw(_CLASSES)}{draw(st.sampled_from(['', '(Base)', '()']))}"
    if draw(st.booleans()):
        return [*lines, (depth, f"{head}: {draw(_STATEMENTS)}{draw(_TRAILING)}")]
    return [*lines, (depth, f"{head}:{draw(_TRAILING)}"), *draw(_block(depth + 1))]


@st.composite
def _modules(draw: st.DrawFn) -> bytes:
    indent = draw(st.sampled_from(["    ", "  ", "\t"]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    lines = draw(_block(0))
    text = newline.join(line if depth is None else indent * depth + line for depth, line in lines)
    text += draw(st.sampled_from(["", newline]))
    return (draw(st.sampled_from(["", "\ufeff"])) + text).encode()


def _public(body: list[ast.stmt], scope: tuple[str, ...]) -> Iterator[tuple[str, Definition]]:
    """Definitions the format must consider, by an independent walk of Python's own AST."""
    for node in body:
        if isinstance(node, Definition):
            if node.name.startswith("_"):
                continue
            decorators = {
                ast.unparse(d.func if isinstance(d, ast.Call) else d).rsplit(".")[-1]
                for d in node.decorator_list
            }
            if not decorators & {"overload", "setter", "deleter"}:
                yield ".".join((*scope, node.name)), node
            if isinstance(node, ast.ClassDef):
                yield from _public(node.body, (*scope, node.name))
        else:
            for field in ("body", "orelse", "finalbody"):
                yield from _public(getattr(node, field, []), scope)


def _without_docstrings(tree: ast.Module) -> str:
    """The tree's dump with every docstring dropped; the tree is changed in place."""
    for node in ast.walk(tree):
        if isinstance(node, Definition | ast.Module) and ast.get_docstring(node) is not None:
            node.body = node.body[1:]
    return ast.dump(tree)


def _comments(text: str) -> list[str]:
    tokens = tokenize.generate_tokens(io.StringIO(text).readline)
    return [token.string for token in tokens if token.type == tokenize.COMMENT]


def _as_python_shows(answer: str) -> str:
    """The answer with plain line breaks and no trailing spaces, cleaned as help() shows it."""
    text = re.sub(r"\r\n?", "\n", answer)
    while (
        again := inspect.cleandoc("\n".join(line.rstrip() for line in text.split("\n")))
    ) != text:
        text = again
    return text


def _parse(data: bytes) -> tuple[str, ast.Module]:
    text = data.decode().removeprefix("\ufeff")
    return text, ast.parse(text)


@settings(max_examples=150, deadline=None)
@given(_modules())
def test_units_are_exactly_the_undocumented_public_definitions(data: bytes) -> None:
    expected = [name for name, node in _public(_parse(data)[1].body, ()) if not _docstring(node)]
    if not expected:
        with pytest.raises(FormatError, match="nothing to document"):
            units(data)
        return
    found = units(data)
    assert [re.sub(r"#[0-9]+$", "", u.key) for u in found] == expected
    assert len({u.key for u in found}) == len(found)
    assert assemble(data, [Piece(u.locator, None) for u in found]) == data


_CLEAN = ["Do it.", "Summary.\n\nMore text,\n    indented.", 'Say "hi".', "Match a\\b."]
_answers = st.one_of(
    st.text(
        st.sampled_from(['"', "\\", "\n", "\r", "\t", " ", "é", "x", "'", "\x00", "\u2028"]),
        max_size=20,
    ),
    st.sampled_from(_CLEAN),
)


@settings(max_examples=150, deadline=None)
@given(_modules(), st.data())
def test_answered_modules_parse_with_the_same_code_and_the_answers(
    data: bytes, draws: st.DataObject
) -> None:
    text, tree = _parse(data)
    expected = [node for _, node in _public(tree.body, ()) if not _docstring(node)]
    if not expected:
        return
    found = units(data)
    answers = draws.draw(st.lists(_answers, min_size=len(found), max_size=len(found)))
    out = assemble(data, [Piece(u.locator, a) for u, a in zip(found, answers, strict=True)])
    new_text, new_tree = _parse(out)
    assert _without_docstrings(ast.parse(new_text)) == _without_docstrings(ast.parse(text))
    assert _comments(new_text) == _comments(text)
    documented = [node for _, node in _public(new_tree.body, ())]
    before = [node for _, node in _public(ast.parse(text).body, ())]
    assert len(documented) == len(before)
    written = iter(answers)
    for old, new in zip(before, documented, strict=True):
        if not _docstring(old):
            answer = next(written)
            assert ast.get_docstring(new) == (_as_python_shows(answer) or None)
            if answer in _CLEAN:
                assert ast.get_docstring(new) == answer


def _docstring(node: Definition) -> bool:
    return ast.get_docstring(node, clean=False) is not None
