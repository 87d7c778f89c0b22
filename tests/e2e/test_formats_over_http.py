"""Every format through the whole service: upload, claim, answer, result in the same format."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from defusedxml import ElementTree  # type: ignore[import-untyped]

from tests.harness import API, Api

MARKDOWN = b"""# Guide

Read the *manual* and [the site](https://example.org) first.

```sh
make run
```

- One item
- Two `code` items
"""
HTML = b"""<!doctype html>
<html><head><title>Help</title></head>
<body><h1>Welcome</h1><p>Press <b>Start</b> to begin.</p>
<img src="a.png" alt="A cat"><script>var x = "<p>no</p>";</script></body></html>
"""
XLIFF = b"""<?xml version="1.0" encoding="UTF-8"?>
<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">
  <file source-language="en" target-language="fr" datatype="plaintext" original="app">
    <body>
      <trans-unit id="1"><source>Save <g id="b">now</g></source><note>Button</note></trans-unit>
      <trans-unit id="2"><source>Quit</source></trans-unit>
    </body>
  </file>
</xliff>
"""
JSON_BUNDLE = b'{"menu": {"open": "Open {name}", "quit": "Quit"}, "count": 3}\n'
CSV_ROWS = b"id,text,gold\n1,a purring animal,\n2,a barking animal,dog\n3,a mooing animal,\n"
PYTHON = b"""def area(width, height):
    return width * height


class Shape:
    def grow(self, factor):
        self.size *= factor
"""


def answer_for(task: dict[str, Any]) -> Any:
    """A plausible answer that keeps every protected token of the source."""
    if task["kind"] == "label":
        return task["choices"][0]
    if task["kind"] == "document":
        return "Explain what this does."
    return "FR " + task["source"]


def markdown_ok(text: str) -> None:
    assert "# FR Guide" in text and "(https://example.org)" in text
    assert "```sh\nmake run\n```" in text


def html_ok(text: str) -> None:
    assert "<b>FR Start" in text or "FR Press <b>Start</b>" in text
    assert 'alt="FR A cat"' in text and 'var x = "<p>no</p>";' in text


def xliff_ok(text: str) -> None:
    root = ElementTree.fromstring(text.encode())
    ns = {"x": "urn:oasis:names:tc:xliff:document:1.2"}
    targets = root.findall(".//x:target", ns)
    assert len(targets) == 2
    assert any(t.find("x:g", ns) is not None for t in targets)


def json_ok(text: str) -> None:
    assert json.loads(text) == {"menu": {"open": "FR Open {name}", "quit": "FR Quit"}, "count": 3}


def csv_ok(text: str) -> None:
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["answer"] for r in rows if not r["gold"]] == ["cat", "cat"]


def python_ok(text: str) -> None:
    import ast

    definitions = [
        node
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.FunctionDef | ast.ClassDef)
    ]
    assert {n.name: ast.get_docstring(n) for n in definitions} == {
        "area": "Explain what this does.",
        "Shape": "Explain what this does.",
        "grow": "Explain what this does.",
    }


CASES: dict[str, tuple[str, bytes, dict[str, Any], Callable[[str], None]]] = {
    "markdown": ("guide.md", MARKDOWN, {}, markdown_ok),
    "html": ("help.html", HTML, {}, html_ok),
    "xliff": ("app.xlf", XLIFF, {}, xliff_ok),
    "json": ("fr.json", JSON_BUNDLE, {}, json_ok),
    "csv": (
        "animals.csv",
        CSV_ROWS,
        {"kind": "label", "choices": ["cat", "dog"], "template": "Which animal is {text}?"},
        csv_ok,
    ),
    "python": ("geometry.py", PYTHON, {"kind": "document", "target_language": None}, python_ok),
}


@pytest.mark.parametrize("case", list(CASES))
async def test_format_round_trip_over_http(api: Api, case: str) -> None:
    filename, content, spec, check = CASES[case]
    owner = await api.register("owner")
    (alice,) = await api.volunteers(1)
    job = await api.job_ready(
        owner, await api.project(owner), content, filename, reviews_required=0, **spec
    )
    assert job["status"] == "open", job
    partial = await api.client.get(f"{API}/jobs/{job['id']}/result?partial=true", headers=owner)
    if case != "csv":  # label results always carry the added answer column
        assert partial.content == content
    for _ in range(job["tasks_total"]):
        claim = await api.claim(alice, job_id=job["id"])
        assert claim.status_code == 200, claim.text
        body = claim.json()
        submitted = await api.submit(alice, body["assignment_id"], answer_for(body["task"]))
        assert submitted.status_code == 201, submitted.text
    await api.settle()
    result = await api.client.get(f"{API}/jobs/{job['id']}/result", headers=owner)
    assert result.status_code == 200, result.text
    check(result.text)
