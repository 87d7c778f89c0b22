"""Finding variables in source strings and checking that answers keep them."""

from __future__ import annotations

import pytest

from tasks_service.jobs.formats.base import Placeholder
from tasks_service.jobs.formats.placeholders import check_placeholders, find_placeholders


def tokens(text: str, flags: tuple[str, ...] = ()) -> list[str]:
    found = find_placeholders(text, flags)
    assert all(p.token == p.text for p in found)
    return [p.token for p in found]


def check(source: str, answer: str, flags: tuple[str, ...] = ()) -> list[str]:
    return check_placeholders(find_placeholders(source, flags), answer, flags)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello %s", ["%s"]),
        ("%d of %5.2f", ["%d", "%5.2f"]),
        ("%(name)s has %(count)d", ["%(name)s", "%(count)d"]),
        ("%1$s and %2$s", ["%1$s", "%2$s"]),
        ("%ld bytes, %-10s|", ["%ld", "%-10s"]),
        ("{name} and {0} and {count}", ["{name}", "{0}", "{count}"]),
        ("{} {user.name!r:>10} {items[0]}", ["{}", "{user.name!r:>10}", "{items[0]}"]),
    ],
)
def test_finds_printf_and_brace_variables_in_order(text: str, expected: list[str]) -> None:
    assert tokens(text) == expected


def test_duplicates_are_kept() -> None:
    assert tokens("%s, %s and {x}{x}") == ["%s", "%s", "{x}", "{x}"]


def test_escapes_are_not_placeholders() -> None:
    assert tokens("100%% sure") == []
    assert tokens("%%s is literal") == []
    assert tokens("{{name}} is literal, {{ and }} too") == []
    assert tokens("{{{name}}}") == ["{name}"]


def test_percent_before_a_word_is_not_a_space_flagged_conversion() -> None:
    assert tokens("50% done") == []


def test_po_flags_choose_the_syntax() -> None:
    text = "%s and {name}"
    assert tokens(text, ("c-format",)) == ["%s"]
    assert tokens(text, ("python-format",)) == ["%s"]
    assert tokens(text, ("python-brace-format",)) == ["{name}"]
    assert tokens(text, ("fuzzy",)) == ["%s", "{name}"]
    assert tokens(text) == ["%s", "{name}"]


def test_brace_escape_only_applies_to_brace_syntax() -> None:
    assert tokens("{{x}} %s", ("c-format",)) == ["%s"]


def test_answer_with_the_same_placeholders_passes() -> None:
    assert check("Hello %s, you have {count} messages", "{count} messages pour %s") == []


def test_missing_placeholder() -> None:
    assert check("Hello {name}", "Bonjour") == ["missing placeholder {name}"]
    assert check("Hello %s", "Bonjour") == ["missing placeholder %s"]


def test_duplicated_placeholder() -> None:
    assert check("Hello {name}", "{name} {name}") == [
        "placeholder {name} appears 2 times, expected 1"
    ]
    assert check("%s", "%s %s") == ["placeholder %s appears 2 times, expected 1"]


def test_invented_placeholder() -> None:
    assert check("Hello {name}", "Bonjour {name} {nom}") == ["unknown placeholder {nom}"]
    assert check("Hello %s", "Bonjour %s %d") == ["unknown placeholder %d"]


def test_escapes_in_the_answer_are_ignored() -> None:
    assert check("%s done", "%s fait à 100%%") == []
    assert check("{n} done", "{n} {{fait}}") == []


def test_reordered_numbered_printf_is_accepted() -> None:
    assert check("%s %s", "%2$s %1$s", ("c-format",)) == []
    assert check("%s of %d", "%2$d de %1$s", ("c-format",)) == []


def test_numbered_printf_with_the_wrong_conversion_is_refused() -> None:
    problems = check("%s of %d", "%2$s de %1$d", ("c-format",))
    assert "placeholder %2$s does not match %d, argument 2 of the source" in problems
    assert "placeholder %1$d does not match %s, argument 1 of the source" in problems


def test_numbered_printf_beyond_the_source_arguments_is_refused() -> None:
    assert check("%s", "%2$s", ("c-format",)) == [
        "unknown placeholder %2$s: the source has no argument 2",
        "missing placeholder %s",
    ]


def test_numbered_printf_counts_each_argument() -> None:
    assert check("%s %s", "%1$s %1$s", ("c-format",)) == [
        "placeholder %s (argument 1) appears 2 times, expected 1",
        "missing placeholder %s",
    ]


def test_unnumbered_printf_must_keep_the_source_order() -> None:
    problems = check("%s of %d", "%d de %s", ("c-format",))
    assert len(problems) == 1
    assert "order" in problems[0]
    assert "%2$s %1$s" in problems[0]


def test_mixing_numbered_and_unnumbered_is_refused() -> None:
    problems = check("%s %d", "%s %2$d", ("c-format",))
    assert any("do not mix" in p for p in problems)


def test_python_format_cannot_use_numbered_placeholders() -> None:
    problems = check("%s %s", "%2$s %1$s", ("python-format",))
    assert any("Python" in p for p in problems)


def test_named_printf_may_move_freely() -> None:
    assert check("%(a)s then %(b)d", "%(b)d puis %(a)s", ("python-format",)) == []


def test_source_using_numbered_printf_accepts_the_same_arguments() -> None:
    assert check("%1$s %2$d", "%2$d %1$s", ("c-format",)) == []
    assert check("%1$s %2$d", "%1$s", ("c-format",)) == ["missing placeholder %2$d"]


def test_placeholders_of_other_formats_are_counted_in_the_answer_text() -> None:
    source = (Placeholder(token="<x1/>", text="<br/>"),)
    assert check_placeholders(source, "avant <x1/> après") == []
    assert check_placeholders(source, "avant après") == ["missing placeholder <x1/>"]
