"""Plural forms of a target language: how many, the selecting expression, and CLDR names.

The gettext header's ``Plural-Forms`` wins; otherwise Babel's tables for the language give the
expression, and CLDR's categories of the numbers each form selects give the forms their names.
"""

from __future__ import annotations

import gettext
import re
from collections import Counter
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.messages.plurals import get_plural

_PLURAL_FORMS = re.compile(r"\s*nplurals\s*=\s*([0-9]+)\s*;\s*plural\s*=\s*([^;]+?)\s*;?\s*")
_MAX_PLURALS = 6
_SAMPLES = range(1001)


def plural_meta(plural_forms: str, language: str | None) -> dict[str, Any]:
    """The target's plural forms: the header's Plural-Forms, else Babel's, else two forms."""
    language = language_code(language)
    parsed = parse_plural_forms(plural_forms)
    if parsed is None and language:
        try:
            plural = get_plural(language)
            parsed = (plural.num_plurals, plural.plural_expr)
        except (ValueError, UnknownLocaleError):
            parsed = None
    nplurals, expr = parsed or (2, "(n != 1)")
    samples = samples_by_form(nplurals, expr)
    assert samples is not None, expr
    names = [f"n={numbers[0]}" for numbers in samples]
    try:
        locale = Locale.parse(language)
        cldr = [Counter(map(locale.plural_form, ns)).most_common(1)[0][0] for ns in samples]
        names = cldr if len(set(cldr)) == len(cldr) else names
    except (TypeError, ValueError, UnknownLocaleError):
        pass  # no language, or one Babel does not know: keep the n=... names
    return {"nplurals": nplurals, "plural_forms": names, "plural_expr": expr, "language": language}


def language_code(language: str | None) -> str | None:
    """Gettext spelling of a language tag: ``pt-BR`` becomes ``pt_BR``."""
    return (language or "").strip().replace("-", "_") or None


def parse_plural_forms(value: str) -> tuple[int, str] | None:
    m = _PLURAL_FORMS.fullmatch(value)
    if m is None or not 1 <= int(m.group(1)) <= _MAX_PLURALS:
        return None
    nplurals, expr = int(m.group(1)), m.group(2)
    return (nplurals, expr) if samples_by_form(nplurals, expr) is not None else None


def samples_by_form(nplurals: int, expr: str) -> list[list[int]] | None:
    """The numbers 0..1000 that select each form, or None if the expression is unusable."""
    try:
        select = gettext.c2py(expr)
        forms = [select(n) for n in _SAMPLES]
    except (ValueError, SyntaxError, ArithmeticError):
        return None
    samples: list[list[int]] = [[] for _ in range(nplurals)]
    for n, form in zip(_SAMPLES, forms, strict=True):
        if not 0 <= form < nplurals:
            return None
        samples[form].append(n)
    return samples if all(samples) else None
