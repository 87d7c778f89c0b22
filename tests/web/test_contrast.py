"""WCAG 2.1 contrast of the colours the stylesheets actually use, measured from the CSS.

Each rule that sets a text colour or a background is paired with the background (or colour) it
sits on: its own, else the same selector without a state (``:hover``) or its last class, else
its ancestor's (``.top a`` on ``.top``), else the page (``body`` and the white cards). Text
needs 4.5:1 (3:1 when the rule makes it large); borders and outlines of controls, focus rings
and chart lines need 3:1 against what surrounds them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import tasks_service.web

STATIC = Path(tasks_service.web.__file__).parent / "static"
TEXT, LARGE_TEXT, NON_TEXT = 4.5, 3.0, 3.0
CONTROLS = re.compile(r"\b(input|select|textarea)\b|\.btn\b|\.chip\b|:focus")
COLOUR = re.compile(r"#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{3}\b|\bwhite\b|\bblack\b")
NAMED = {"white": "#ffffff", "black": "#000000"}
Rules = dict[str, dict[str, str]]


def luminance(colour: str) -> float:
    hex_digits = NAMED.get(colour, colour).lstrip("#")
    if len(hex_digits) == 3:
        hex_digits = "".join(c * 2 for c in hex_digits)
    channels = [int(hex_digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def parse(css: str) -> Rules:
    """Selector → its declarations, ``var()`` resolved; rules inside ``@media`` count too."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    rules: Rules = {}
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        declarations = dict(
            (name.strip(), value.strip())
            for name, _, value in (d.partition(":") for d in body.split(";"))
            if value.strip()
        )
        for selector in selectors.split(","):
            rules.setdefault(" ".join(selector.split()), {}).update(declarations)
    custom = {k: v for k, v in rules.get(":root", {}).items() if k.startswith("--")}
    for declarations in rules.values():
        for name, value in declarations.items():
            declarations[name] = re.sub(
                r"var\((--[\w-]+)\)", lambda found: custom[found.group(1)], value
            )
    return rules


def colour_in(value: str | None) -> str | None:
    found = COLOUR.search(value or "")
    return found.group(0).lower() if found else None


def lineage(selector: str) -> Iterator[str]:
    """Where a property not set by ``selector`` comes from, nearest first."""
    yield selector
    *ancestors, last = selector.split(" ")
    plain = re.sub(r":[\w-]+(\([^)]*\))?|\[[^\]]*\]", "", last)
    if plain and plain != last:
        yield " ".join([*ancestors, plain])
    classes = re.findall(r"\.[\w-]+", plain)
    if len(classes) > 1:
        yield " ".join([*ancestors, plain[: plain.rindex(classes[-1])]])
    if ancestors:
        yield from lineage(" ".join(ancestors))


def inherited(rules: Rules, selector: str, prop: str) -> str | None:
    for candidate in lineage(selector):
        declarations = rules.get(candidate, {})
        value = colour_in(declarations.get(prop) or declarations.get(prop + "-color"))
        if value:
            return value
    return None


def pages(rules: Rules) -> list[str]:
    body = colour_in(rules["body"].get("background"))
    card = colour_in(rules[".card"].get("background"))
    assert body and card
    return [body, card]


def backgrounds(rules: Rules, selector: str) -> list[str]:
    found = inherited(rules, selector, "background")
    return [found] if found else pages(rules)


def stylesheets() -> list[Path]:
    found = sorted(STATIC.glob("*.css"))
    assert found, STATIC
    return found


def font_px(value: str) -> float:
    number = re.match(r"([\d.]+)(rem|em|px)", value or "")
    if not number:
        return 0.0
    return float(number.group(1)) * (1 if number.group(2) == "px" else 16)


def is_large(declarations: dict[str, str]) -> bool:
    size = font_px(declarations.get("font-size", ""))
    bold = declarations.get("font-weight", "400") in ("700", "800", "900", "bold")
    return size >= 24 or (size >= 18.66 and bold)


@pytest.mark.parametrize("path", stylesheets(), ids=lambda p: p.name)
def test_text_on_its_background_meets_aa(path: Path) -> None:
    rules = parse(path.read_text())
    faded = [s for s, d in rules.items() if float(d.get("opacity", "1")) < 1]
    assert not faded, f"faded text cannot be measured: {faded}"
    measured, failures = 0, []
    for selector, declarations in rules.items():
        if selector == ":root" or not (
            colour_in(declarations.get("color"))
            or colour_in(declarations.get("background"))
            or colour_in(declarations.get("background-color"))
        ):
            continue
        text = inherited(rules, selector, "color") or colour_in(rules["body"].get("color"))
        assert text
        needed = LARGE_TEXT if is_large(declarations) else TEXT
        for background in backgrounds(rules, selector):
            measured += 1
            ratio = contrast(text, background)
            if ratio < needed:
                failures.append(f"{selector}: {text} on {background} is {ratio:.2f} < {needed}")
    assert not failures, failures
    assert measured >= 20  # the parse found the stylesheet's colours


@pytest.mark.parametrize("path", stylesheets(), ids=lambda p: p.name)
def test_control_borders_focus_rings_and_chart_lines_meet_three_to_one(path: Path) -> None:
    rules = parse(path.read_text())
    measured, failures = 0, []
    for selector, declarations in rules.items():
        edges = [
            colour_in(value)
            for name, value in declarations.items()
            if name in ("border", "border-color", "outline", "outline-color")
        ]
        if CONTROLS.search(selector):
            around = pages(rules) if selector.startswith(":focus") else backgrounds(rules, selector)
            for edge in filter(None, edges):
                for background in around:
                    measured += 1
                    if (ratio := contrast(edge, background)) < NON_TEXT:
                        failures.append(f"{selector}: {edge} by {background} is {ratio:.2f}")
        stroke = colour_in(declarations.get("stroke"))
        if stroke and selector.startswith(".chart-line"):
            fill = colour_in(rules[".chart-bg"].get("fill"))
            assert fill
            measured += 1
            if (ratio := contrast(stroke, fill)) < NON_TEXT:
                failures.append(f"{selector}: {stroke} on {fill} is {ratio:.2f}")
    assert not failures, failures
    assert measured >= 5


def test_the_measure_itself() -> None:
    """Known values from the WCAG definition, and the parse on a small sheet."""
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    rules = parse(
        ":root { --ink: #123; }\n@media (min-width: 1px) { .a.b:hover, .c d { color: var(--ink) } }"
    )
    assert rules[".a.b:hover"]["color"] == "#123" and rules[".c d"]["color"] == "#123"
    assert list(lineage(".top nav .btn.primary:hover")) == [
        ".top nav .btn.primary:hover",
        ".top nav .btn.primary",
        ".top nav .btn",
        ".top nav",
        ".top",
    ]
