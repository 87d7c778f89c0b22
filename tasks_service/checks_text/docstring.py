"""``docstring``: an answer to a ``document`` task is a docstring the code can carry.

The answer is written into the source file as the definition's docstring, so it must survive
being written as a Python string literal and read back; and a docstring that leaves out some of
the function's parameters leaves its readers guessing exactly where they looked for help.
"""

from __future__ import annotations

import ast
import re

from tasks_service.db import models as m
from tasks_service.jobs.formats import Answer
from tasks_service.jobs.formats.python_docstring import docstring_literal

Function = ast.FunctionDef | ast.AsyncFunctionDef
_WORD = re.compile(r"\w")
# Bound by the call itself, never passed by the caller.
_IMPLICIT = frozenset({"self", "cls"})


def parameters(code: str) -> list[str]:
    """Names a caller passes to the function (or, for a class, to its constructor) in ``code``.

    ``self`` and ``cls`` are bound by Python, and a leading underscore marks a parameter as
    not for callers; none of these need describing. Code that does not parse has none.
    """
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return []
    node = tree.body[0] if tree.body else None
    if isinstance(node, ast.ClassDef):
        node = next(
            (n for n in node.body if isinstance(n, Function) and n.name == "__init__"),
            None,
        )
    if not isinstance(node, Function):
        return []
    args = node.args
    every = [*args.posonlyargs, *args.args, args.vararg, *args.kwonlyargs, args.kwarg]
    return [a.arg for a in every if a is not None and a.arg not in _IMPLICIT and a.arg[0] != "_"]


def writable(text: str) -> bool:
    """Whether ``text``, written as the assembler writes a docstring, reads back the same.

    The assembler escapes what needs escaping, so this guards that promise: an answer that
    broke the literal would break the whole file at assembly, long after the volunteer left.
    """
    literal = docstring_literal(text.strip(), "    ", "\n")
    try:
        tree = ast.parse(f"def f():\n    {literal}\n")
    except (SyntaxError, ValueError):
        return False
    read = ast.get_docstring(tree.body[0]) if isinstance(tree.body[0], ast.FunctionDef) else None
    return read is not None and read.split() == text.split()


def docstring(task: m.Task, job: m.Job, answer: Answer) -> list[str]:
    """Docstrings with no words, that cannot be written into the file, or miss a parameter.

    A blank answer is left to ``not_empty``; a docstring of punctuation alone ("...", "-") is
    a placeholder, not documentation.
    """
    if job.kind != "document" or not isinstance(answer, str) or not answer.strip():
        return []
    if not _WORD.search(answer):
        return ["the docstring has no words: describe what the code does"]
    problems = []
    if not writable(answer):
        problems.append("the docstring cannot be written into the file as a Python string")
    missing = [
        name
        for name in parameters(task.source)
        if not re.search(rf"(?<!\w){re.escape(name)}(?!\w)", answer)
    ]
    if missing:
        problems.append("the docstring does not mention the parameter(s) " + ", ".join(missing))
    return problems
