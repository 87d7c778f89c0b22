"""Python source for ``document`` jobs: each public definition without a docstring is a unit.

A volunteer reads the definition's code and writes its docstring; assembly inserts the answers
as docstrings at the top of the bodies and leaves every other character of the file as it was.
libcst finds the definitions and their exact positions (its spans count UTF-8 bytes, turned
into character offsets of the decoded upload for the locators); ``ast`` checks the file first,
because its parser is Python's own and words its errors as Python does.
"""

from __future__ import annotations

import ast
import codecs
import io
import re
import tokenize
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping
from itertools import chain
from typing import Any

import libcst as cst
from libcst.metadata import ByteSpanPositionProvider, CodeSpan, MetadataWrapper

from tasks_service.jobs.formats.base import (
    AssembleOptions,
    FormatError,
    Piece,
    Split,
    SplitOptions,
    Unit,
)
from tasks_service.jobs.formats.python_docstring import docstring_edit
from tasks_service.jobs.formats.spans import read_text, replace_spans

Definition = cst.FunctionDef | cst.ClassDef
_BOM = "\ufeff"
# libcst needs about half a second per 1,000 lines; no hand-written module comes near this.
MAX_BYTES = 1_000_000
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_NEWLINE = re.compile(r"\r\n|\r|\n")
# Overloads are documented on the implementation, a property's setter on its getter.
_UNDOCUMENTED_DECORATORS = frozenset({"overload", "setter", "deleter"})


class PythonFormat:
    """Public functions, classes and methods (names without a leading ``_``) lacking a docstring.

    Dunder methods, ``__init__`` included, count as private: the constructor's parameters are
    named in the class's note and belong in the class docstring, where help() shows them.
    """

    name = "python"
    extensions: tuple[str, ...] = (".py",)
    kinds: tuple[str, ...] = ("document",)
    adds_answer_column = False
    media_type = "text/x-python; charset=utf-8"

    def split(self, data: bytes, options: SplitOptions) -> Split:
        if len(data) > MAX_BYTES:
            raise FormatError(
                f"the file is {len(data)} bytes; Python files over {MAX_BYTES} bytes are not "
                "accepted: split the module"
            )
        text = _read(data)
        base = len(_BOM) if text.startswith(_BOM) else 0
        code = text[base:]
        if not code.strip():
            raise FormatError("the file is empty")
        try:
            ast.parse(code)
        except SyntaxError as exc:
            raise FormatError(
                f"Python syntax error at line {exc.lineno}, column {exc.offset}: {exc.msg}"
            ) from None
        except RecursionError:
            raise FormatError("the file nests too deeply to be read") from None
        units = _units(text, base)
        first = next(units, None)
        if first is None:
            raise FormatError(
                "nothing to document: every public function, class and method has a docstring"
            )
        return Split(meta={}, units=chain([first], units))

    def assemble(
        self, data: bytes, meta: dict[str, Any], pieces: Iterable[Piece], options: AssembleOptions
    ) -> bytes:
        text = read_text(data)
        edits = []
        for piece in pieces:
            if piece.answer is None:
                continue
            if not isinstance(piece.answer, str):
                raise FormatError("a docstring answer must be a single string")
            edit = docstring_edit(text, piece.locator, piece.answer)
            if edit is not None:
                edits.append(edit)
        if not edits:
            return data
        return replace_spans(text, edits).encode("utf-8")


def _read(data: bytes) -> str:
    """Strict UTF-8, and no PEP 263 line declaring another encoding the answers could break."""
    try:
        declared, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        read_text(data)  # a file that is simply not UTF-8 is reported as such
        raise FormatError(f"the file's encoding declaration is not usable: {exc}") from None
    if codecs.lookup(declared).name not in ("utf-8", "utf-8-sig"):
        raise FormatError(
            f"the file declares the encoding {declared} (PEP 263); only UTF-8 source is accepted: "
            "save it as UTF-8 and change the coding line to utf-8"
        )
    return read_text(data)


def _units(text: str, base: int) -> Iterator[Unit]:
    """Units in document order; the code starts at ``base``, after a BOM if there is one."""
    try:
        wrapper = MetadataWrapper(cst.parse_module(text[base:]), unsafe_skip_copy=True)
    except cst.ParserSyntaxError as exc:
        raise FormatError(
            f"Python syntax error at line {exc.raw_line}, column {exc.raw_column + 1}: "
            f"{exc.message}"
        ) from None
    at = _Positions(wrapper, text, base)
    seen: dict[str, int] = {}
    for node, scope, in_class in _definitions(wrapper.module, (), in_class=False):
        qualname = ".".join((*scope, node.name.value))
        seen[qualname] = seen.get(qualname, 0) + 1
        key = qualname if seen[qualname] == 1 else f"{qualname}#{seen[qualname]}"
        locator = _locator(at, node, wrapper.module.default_indent)
        source = _dedented(at.text[at.line_start(at.start(_first(node))) : at.end(node)])
        yield Unit(key, source, locator, note=_note(node, qualname, in_class))


def _definitions(
    node: cst.CSTNode, scope: tuple[str, ...], *, in_class: bool
) -> Iterator[tuple[Definition, tuple[str, ...], bool]]:
    """Public definitions to document, looking into blocks but never into a function's body."""
    for child in node.children:
        if not isinstance(child, Definition):
            yield from _definitions(child, scope, in_class=in_class)
            continue
        if child.name.value.startswith("_"):
            continue
        if child.get_docstring(clean=False) is None and not (
            _decorator_names(child) & _UNDOCUMENTED_DECORATORS
        ):
            yield child, scope, in_class
        if isinstance(child, cst.ClassDef):
            yield from _definitions(child.body, (*scope, child.name.value), in_class=True)


class _Positions:
    """Character offsets into the upload; libcst's spans count UTF-8 bytes of the code."""

    def __init__(self, wrapper: MetadataWrapper, text: str, base: int) -> None:
        self.spans: Mapping[cst.CSTNode, CodeSpan] = wrapper.resolve(ByteSpanPositionProvider)
        self.text, self.base = text, base
        # For each non-ASCII character of the code: the byte offset after it, and the bytes
        # beyond one per character up to there.
        self.ends: list[int] = []
        self.extras: list[int] = []
        extra = 0
        for m in _NON_ASCII.finditer(text, base):
            extra += len(m.group().encode("utf-8")) - 1
            self.ends.append(m.end() - base + extra)
            self.extras.append(extra)

    def _char(self, offset: int) -> int:
        i = bisect_right(self.ends, offset)
        return self.base + offset - (self.extras[i - 1] if i else 0)

    def start(self, node: cst.CSTNode) -> int:
        return self._char(self.spans[node].start)

    def end(self, node: cst.CSTNode) -> int:
        span = self.spans[node]
        return self._char(span.start + span.length)

    def line_start(self, offset: int) -> int:
        text = self.text
        return max(self.base, text.rfind("\n", 0, offset) + 1, text.rfind("\r", 0, offset) + 1)


def _locator(at: _Positions, node: Definition, indent_unit: str) -> dict[str, Any]:
    """Where the docstring goes: before the body's first statement, or after the colon of a
    one-line body, with the body's indentation and the line break of the definition's line."""
    text = at.text
    start = at.start(_first(node))
    found = _NEWLINE.search(text, start) or _NEWLINE.search(text)
    newline = found.group() if found else "\n"
    statement = at.start(_first(node.body.body[0]))
    if isinstance(node.body, cst.IndentedBlock):
        indent = text[at.line_start(statement) : statement]
        return {
            "start": statement,
            "end": statement,
            "inline": False,
            "indent": indent,
            "newline": newline,
        }
    colon = text.rindex(":", start, statement) + 1  # only blanks and line continuations follow
    indent = text[at.line_start(start) : start] + indent_unit
    return {"start": colon, "end": statement, "inline": True, "indent": indent, "newline": newline}


def _first(node: cst.CSTNode) -> cst.CSTNode:
    """Where a statement's code starts: a definition's spans leave its decorators out."""
    if isinstance(node, Definition) and node.decorators:
        return node.decorators[0]
    return node


def _dedented(code: str) -> str:
    """The definition's code as the volunteer reads it: left-aligned, with plain line breaks."""
    lines = _NEWLINE.split(code)
    indent = lines[0][: len(lines[0]) - len(lines[0].lstrip())]
    return "\n".join(line.removeprefix(indent) for line in lines)


def _decorator_names(node: Definition) -> set[str]:
    """The last name of each decorator: ``overload`` for ``@typing.overload``, and so on."""
    names = set()
    for decorator in node.decorators:
        expression = decorator.decorator
        if isinstance(expression, cst.Call):
            expression = expression.func
        if isinstance(expression, cst.Name):
            names.add(expression.value)
        elif isinstance(expression, cst.Attribute):
            names.add(expression.attr.value)
    return names


def _note(node: Definition, qualname: str, in_class: bool) -> str:
    """What the volunteer documents, with the parameters a docstring should describe."""
    if isinstance(node, cst.FunctionDef):
        kind = ("async " if node.asynchronous else "") + ("method" if in_class else "function")
        method = in_class and "staticmethod" not in _decorator_names(node)
        return f"{kind} {qualname}({', '.join(_parameters(node.params, method))})"
    init = next(
        (
            statement
            for statement in node.body.body
            if isinstance(statement, cst.FunctionDef) and statement.name.value == "__init__"
        ),
        None,
    )
    if init is None:
        return f"class {qualname}"
    return (
        f"class {qualname}, constructed as {qualname}({', '.join(_parameters(init.params, True))})"
    )


def _parameters(params: cst.Parameters, method: bool) -> list[str]:
    """Parameter names as written in a call; a method's ``self`` or ``cls`` is left out."""
    names = [param.name.value for param in (*params.posonly_params, *params.params)]
    names = names[1:] if method else names
    if isinstance(params.star_arg, cst.Param):
        names.append(f"*{params.star_arg.name.value}")
    elif params.kwonly_params:
        names.append("*")
    names += [param.name.value for param in params.kwonly_params]
    if params.star_kwarg is not None:
        names.append(f"**{params.star_kwarg.name.value}")
    return names


PYTHON = PythonFormat()
