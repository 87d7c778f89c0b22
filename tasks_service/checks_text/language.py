"""``target_language``: a translation written in another language than the job's target.

The usual cases are the source pasted back (English left in) and a volunteer answering in the
wrong one of their languages. lingua names the language from the answer's own words: its models
ship inside the wheel, so nothing is fetched at run time. Short texts are where detectors guess,
so the check keeps to answers of several words, reads only the words (no markup, variables,
code names or addresses), and warns only when another language wins by a clear margin twice:
first in lingua's fast low-accuracy mode over the common languages, then, for the few answers
that fail that, in its high-accuracy mode between the target and the suspect alone. The
high-accuracy models are large (tens of MB and half a second to load per language), so they are
loaded only for the languages that reach the second step; lingua shares them between detectors.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

from tasks_service.checks_text.common import language, plain, texts
from tasks_service.checks_text.urls import ADDRESS
from tasks_service.db import models as m
from tasks_service.jobs.formats import Answer

MIN_WORDS = 3
# How far ahead of the target language (and its near relatives) another language must be: a
# low bar for the quick look, which only picks the answers worth a careful one.
SCREEN_MARGIN = 0.2
CONFIRM_MARGIN = 0.5
# The languages the quick look tells apart. A target outside them is checked only if it has
# a script of its own (see _ALONE_IN_SCRIPT); any other is not checked.
COMMON = (
    frozenset({"ar", "bg", "bn", "ca", "cs", "da", "de", "el", "en", "es", "et", "fa", "fi"})
    | {"fr", "he", "hi", "hr", "hu", "id", "it", "ja", "ko", "lt", "lv", "nb", "nl", "pl"}
    | {"pt", "ro", "ru", "sk", "sl", "sr", "sv", "th", "tr", "uk", "vi", "zh"}
)
# Written words that are not the translation's language: command-line options, dotted or
# underscored names, words with digits, acronyms, camelCase identifiers and function calls.
_CODE = re.compile(
    r"(?<![A-Za-z0-9-])--?[A-Za-z][A-Za-z0-9_-]*"
    r"|[A-Za-z0-9]*(?:[_/\\=@#$|`~^.:][A-Za-z0-9]+)+"
    r"|[A-Za-z]*[0-9][A-Za-z0-9]*"
    r"|(?<![A-Za-z0-9])[A-Z][A-Z0-9]+(?![A-Za-z0-9])"
    r"|(?<![A-Za-z0-9])[A-Za-z][a-z]+[A-Z][A-Za-z0-9]*"
    r"|(?<![A-Za-z0-9])[A-Za-z_][A-Za-z0-9_]*\([^()]*\)"
)
_WORD = re.compile(r"[^\W\d_]+")
# Languages a short text cannot reliably tell apart, and near enough that writing one for
# another is not the mistake this check is for.
_RELATIVES = (
    frozenset({"da", "nb", "nn", "sv"}),
    frozenset({"es", "ca", "pt"}),
    frozenset({"ru", "uk", "be", "bg", "mk"}),
    frozenset({"hr", "sr", "bs", "sl"}),
    frozenset({"cs", "sk"}),
    frozenset({"id", "ms"}),
    frozenset({"nl", "af"}),
)
# The script each language not written in Latin letters is written in, as Unicode names it
# (Japanese kana and kanji taken together); and those languages that are alone in theirs,
# among the languages lingua knows, so that text in that script needs no detector.
_SCRIPT = {
    "ar": "ARABIC",
    "fa": "ARABIC",
    "bg": "CYRILLIC",
    "ru": "CYRILLIC",
    "uk": "CYRILLIC",
    "bn": "BENGALI",
    "hi": "DEVANAGARI",
    "ja": "CJK",
    "zh": "CJK",
    "el": "GREEK",
    "he": "HEBREW",
    "ko": "HANGUL",
    "th": "THAI",
    "ka": "GEORGIAN",
    "hy": "ARMENIAN",
    "gu": "GUJARATI",
    "pa": "GURMUKHI",
    "ta": "TAMIL",
    "te": "TELUGU",
}
_ALONE_IN_SCRIPT = frozenset({"el", "he", "ko", "th", "ka", "hy", "gu", "pa", "ta", "te"})
_SCRIPT_FAMILY = {"HIRAGANA": "CJK", "KATAKANA": "CJK"}
# Languages written in two scripts, so that an answer in either may be right.
_TWO_SCRIPTS = frozenset({"sr", "bs", "uz", "az", "kk", "mn"})


@functools.cache
def _lingua_codes() -> dict[str, Language]:
    return {lang.iso_code_639_1.name.lower(): lang for lang in Language.all()}


@functools.cache
def screen() -> LanguageDetector:
    """The quick look, built on first use and kept: its models load in about a second."""
    languages = [_lingua_codes()[code] for code in sorted(COMMON)]
    return (
        LanguageDetectorBuilder.from_languages(*languages)
        .with_low_accuracy_mode()
        .with_preloaded_language_models()
        .build()
    )


@functools.lru_cache(maxsize=64)
def confirmer(languages: frozenset[str]) -> LanguageDetector:
    """The careful look between a few languages; each one's models load on first use."""
    return LanguageDetectorBuilder.from_languages(
        *(_lingua_codes()[code] for code in sorted(languages))
    ).build()


def _relatives(code: str) -> frozenset[str]:
    return next((group for group in _RELATIVES if code in group), frozenset({code}))


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in "WF"


def words(text: str) -> int:
    """Words in ``text``; scripts written without spaces count one word per two characters."""
    wide = sum(1 for c in text if _wide(c) and c.isalpha())
    spaced = _WORD.findall("".join(" " if _wide(c) else c for c in text))
    return len(spaced) + wide // 2


def prose(task: m.Task, text: str) -> str:
    """The words of ``text`` that belong to a language: no tokens, code names or addresses."""
    return _CODE.sub(" ", ADDRESS.sub(" ", plain(task, text)))


@functools.lru_cache(maxsize=4096)
def _family(char: str) -> str:
    """The script a letter is written in, as Unicode names it: LATIN, CYRILLIC, CJK…"""
    script = unicodedata.name(char, "UNKNOWN").split(" ")[0]
    return _SCRIPT_FAMILY.get(script, script)


def _scripts(text: str) -> dict[str, float]:
    """Words of ``text`` by the script they are written in, counted as :func:`words` does."""
    found: dict[str, float] = {}
    previous = ""
    for char in text:
        script = _family(char) if char.isalpha() else ""
        if script and (_wide(char) or script != previous):
            found[script] = found.get(script, 0.0) + (0.5 if _wide(char) else 1.0)
        previous = script
    return found


def _only(text: str, script: str) -> str:
    """``text`` with the letters of every other script made spaces."""
    return "".join(" " if c.isalpha() and _family(c) != script else c for c in text)


def _winner(detector: LanguageDetector, text: str, target: str, margin: float) -> str | None:
    """The language ahead of the target and its relatives by ``margin``, if any."""
    values = {
        value.language.iso_code_639_1.name.lower(): value.value
        for value in detector.compute_language_confidence_values(text)
    }
    if not values:
        return None
    best = max(values, key=values.__getitem__)
    relatives = _relatives(target)
    if best in relatives or values[best] - sum(values.get(c, 0.0) for c in relatives) < margin:
        return None
    return best


def detected(text: str, target: str) -> str | None:
    """The language ``text`` is written in if it is clearly not ``target``.

    Text with a third of its words in the target's script is judged by those words alone, and
    taken as the target outright if no other language uses the script; other text is judged by
    its main script. Product names and terms left in Latin letters are common in translations
    and say nothing about the language of the sentence around them; and too few words in the
    script judged say nothing either.
    """
    scripts = _scripts(text)
    if not scripts:
        return None
    script = _SCRIPT.get(target, "LATIN")
    if not scripts.get(script) and target not in _TWO_SCRIPTS:
        return _in_another_script(text, scripts)
    if 3 * scripts.get(script, 0.0) >= sum(scripts.values()):
        if target in _ALONE_IN_SCRIPT:
            return None
    else:
        script = max(scripts, key=scripts.__getitem__)
    text = _only(text, script)
    if words(text) < MIN_WORDS:
        return None
    suspect = _winner(screen(), text, target, SCREEN_MARGIN)
    if suspect is None:
        return None
    return _winner(confirmer(frozenset({target, suspect})), text, target, CONFIRM_MARGIN)


def _in_another_script(text: str, scripts: dict[str, float]) -> str | None:
    """The language of text with not one letter in the target's script, if it has words.

    No detector is needed to tell that a French answer written in Chinese characters is not
    French, however short it is; the detector only names the language. A lone word in Latin
    letters may be a product name kept as it is, so Latin letters must read as words.
    """
    script = max(scripts, key=scripts.__getitem__)
    only = _only(text, script)
    if scripts[script] < 1 or (script == "LATIN" and not _reads_as_words(only)):
        return None
    if script == "CJK":
        kana = any(unicodedata.name(c, "").startswith(("HIRAGANA", "KATAKANA")) for c in only)
        return "ja" if kana else "zh"
    values = screen().compute_language_confidence_values(only)
    named = [
        v.language.iso_code_639_1.name.lower()
        for v in values
        if _SCRIPT.get(v.language.iso_code_639_1.name.lower(), "LATIN") == script
    ]
    if named:
        return named[0]
    return next((code for code, written in _SCRIPT.items() if written == script), None)


def _copied_source(task: m.Task, job: m.Job, answer: Answer) -> str | None:
    """The source language, when the answer is the source unchanged and reads as words.

    The copy is ``not_source_copy``'s to report; it is also an answer in the wrong language,
    whatever a detector makes of a few words. A name (one word, or two capitalised) may be
    rightly kept as it is.
    """
    source = language(job.source_language)
    text = texts(answer)[0]
    if source is None or source == language(job.target_language):
        return None
    if " ".join(text.split()).casefold() != " ".join(task.source.split()).casefold():
        return None
    return source if _reads_as_words(prose(task, text)) else None


def _reads_as_words(text: str) -> bool:
    """Three words, or two of which one is not capitalised: not a name such as a brand's."""
    found = _WORD.findall(text)
    return len(found) >= MIN_WORDS or (len(found) == 2 and any(w[0].islower() for w in found))


def target_language(task: m.Task, job: m.Job, answer: Answer) -> list[str]:
    """Translations of several words that lingua is confident are in another language.

    A plural message is judged by its longest form, which has the most words to go on.
    """
    target = language(job.target_language)
    if job.kind != "translate" or target is None:
        return []
    if target not in COMMON and target not in _ALONE_IN_SCRIPT:
        return []
    found = _copied_source(task, job, answer) or detected(
        prose(task, max(texts(answer), key=len)), target
    )
    if found is None or found not in _lingua_codes():
        return []
    name = _lingua_codes()[found].name.title()
    return [f"the answer looks like {name}, not {_lingua_codes()[target].name.title()}"]
