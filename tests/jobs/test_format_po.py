"""Gettext PO: which messages become units, where answers go, and what the header becomes."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import polib
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tasks_service.jobs.formats import FormatError, Piece, Unit, detect_format, get_format
from tasks_service.jobs.formats.base import AssembleOptions, Split, SplitOptions
from tasks_service.jobs.formats.po import PO

FULL = """\
# French translation of Demo.
# Copyright (C) 2024 Demo
#
#, fuzzy
msgid ""
msgstr ""
"Project-Id-Version: demo 1.0\\n"
"Language: \\n"
"MIME-Version: 1.0\\n"
"Content-Type: text/plain; charset=CHARSET\\n"
"Content-Transfer-Encoding: 8bit\\n"
"Plural-Forms: nplurals=INTEGER; plural=EXPRESSION;\\n"

#. Greeting on the home page
#: app.py:10
#, python-format
msgid "Hello, %(name)s!"
msgstr ""

# Check the tone with the team
#, fuzzy, python-format
#| msgid "Bye %s"
msgctxt "menu"
msgid "Bye %s"
msgstr "Au revoir"

#, c-format
msgid "%d file"
msgid_plural "%d files"
msgstr[0] ""
msgstr[1] ""

msgid ""
"A long message "
"on two lines\\n"
"and a third"
msgstr ""

msgid "Already done"
msgstr "Déjà fait"

#, fuzzy
msgid "Only fuzzy"
msgstr ""
"Seulement "
"flou"

#~ msgid "Old"
#~ msgstr "Vieux"
"""

FR = SplitOptions(source_language="en", target_language="fr")


def split(text: str, options: SplitOptions = FR) -> tuple[Split, list[Unit]]:
    result = PO.split(text.encode(), options)
    return result, list(result.units)


def by_source(units: list[Unit]) -> dict[str, Unit]:
    return {unit.source: unit for unit in units}


def assemble(
    data: bytes,
    meta: dict[str, Any],
    pieces: list[Piece],
    target_language: str | None = None,
    credits: tuple[str, ...] = (),
) -> bytes:
    return PO.assemble(data, meta, pieces, AssembleOptions(target_language, credits))


def entries(data: bytes) -> dict[str, polib.POEntry]:
    return {entry.msgid: entry for entry in polib.pofile(data.decode())}


FR_ANSWERS: dict[str, str | list[str]] = {
    "Hello, %(name)s!": "Bonjour, %(name)s !",
    "Bye %s": "Au revoir %s",
    "%d file": ["%d fichier", "%d fichiers"],
    "A long message on two lines\nand a third": "Un long message\nsur trois\nlignes",
    "Only fuzzy": "Rien que flou",
}


def answered(text: str, credits: tuple[str, ...] = ()) -> bytes:
    result, units = split(text)
    pieces = [Piece(u.locator, FR_ANSWERS[u.source]) for u in units]
    return assemble(text.encode(), result.meta, pieces, target_language="fr", credits=credits)


def test_registered_under_its_name_and_extensions() -> None:
    assert get_format("po") is PO
    assert detect_format("fr.PO", None) is PO
    assert detect_format("messages.pot", None) is PO
    assert detect_format("x.txt", "po") is PO


def test_untranslated_and_fuzzy_messages_become_units() -> None:
    _, units = split(FULL)
    assert [u.source for u in units] == list(FR_ANSWERS)


def test_unit_fields() -> None:
    units = by_source(split(FULL)[1])
    hello = units["Hello, %(name)s!"]
    assert hello.key == "Hello, %(name)s!"
    assert [p.token for p in hello.placeholders] == ["%(name)s"]
    assert hello.note == "Greeting on the home page"
    assert hello.locator == {**hello.locator, "fuzzy": None, "plural": False}
    bye = units["Bye %s"]
    assert bye.key == "menu\x04Bye %s"
    assert bye.note == "Context: menu\nCheck the tone with the team"
    assert bye.locator["fuzzy"] is not None
    files = units["%d file"]
    assert files.source_plural == "%d files"
    assert files.locator["plural"] is True
    assert [p.token for p in files.placeholders] == ["%d"]


def test_locators_point_at_the_msgstr_blocks() -> None:
    units = by_source(split(FULL)[1])

    def at(unit: Unit) -> str:
        return FULL[unit.locator["start"] : unit.locator["end"]]

    assert at(units["Bye %s"]) == 'msgstr "Au revoir"'
    assert at(units["%d file"]) == 'msgstr[0] ""\nmsgstr[1] ""'
    assert at(units["Only fuzzy"]) == 'msgstr ""\n"Seulement "\n"flou"'
    start, end = units["Bye %s"].locator["fuzzy"]
    assert FULL[start:end] == "#, fuzzy, python-format"


def test_crlf_file_gives_the_same_units_with_crlf_spans() -> None:
    crlf = FULL.replace("\n", "\r\n")
    units = by_source(split(crlf)[1])
    files = units["%d file"]
    assert crlf[files.locator["start"] : files.locator["end"]] == 'msgstr[0] ""\r\nmsgstr[1] ""'
    assert list(units) == list(FR_ANSWERS)


POT = """\
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"

#: a.c:1
msgid "One"
msgstr ""

msgid "Two"
msgstr ""
"""

NO_HEADER = '# a comment\nmsgid "One"\nmsgstr ""\n\nmsgctxt ""\nmsgid "Two"\nmsgstr "Deux"\n'


@pytest.mark.parametrize(
    "text",
    [FULL, FULL.replace("\n", "\r\n"), POT, NO_HEADER, "\ufeff" + POT, POT.rstrip("\n")],
    ids=["full", "crlf", "pot", "no-header", "bom", "no-final-newline"],
)
def test_no_answers_gives_back_the_upload(text: str) -> None:
    result, units = split(text)
    data = text.encode()
    assert assemble(data, result.meta, [Piece(u.locator, None) for u in units]) is data
    assert assemble(data, result.meta, [], target_language="fr", credits=("ann",)) is data


def test_answers_land_and_the_result_parses() -> None:
    out = entries(answered(FULL))
    for source, answer in FR_ANSWERS.items():
        if isinstance(answer, list):
            assert out[source].msgstr_plural == dict(enumerate(answer))
        else:
            assert out[source].msgstr == answer
    assert out["Already done"].msgstr == "Déjà fait"


def test_fuzzy_flag_is_dropped_and_other_flags_kept() -> None:
    out = entries(answered(FULL))
    assert out["Bye %s"].flags == ["python-format"]
    assert out["Only fuzzy"].flags == []
    assert '#, fuzzy\nmsgid "Only fuzzy"' not in answered(FULL).decode()


def test_untouched_parts_stay_byte_exact() -> None:
    out = answered(FULL).decode()
    assert 'msgid "Already done"\nmsgstr "Déjà fait"\n' in out
    assert out.endswith('#~ msgid "Old"\n#~ msgstr "Vieux"\n')
    assert '#| msgid "Bye %s"\nmsgctxt "menu"' in out


def test_multi_line_answer_uses_the_gettext_layout() -> None:
    out = answered(FULL).decode()
    assert 'msgstr ""\n"Un long message\\n"\n"sur trois\\n"\n"lignes"\n' in out


def test_answers_are_escaped() -> None:
    _, units = split(POT)
    data = POT.encode()
    tricky = 'say "hi"\\ \ttab'
    out = assemble(
        data, {"nplurals": 2, "plural_expr": "(n != 1)"}, [Piece(units[0].locator, tricky)]
    )
    assert entries(out)["One"].msgstr == tricky


def test_characters_polib_would_split_lines_at_become_line_breaks() -> None:
    _, units = split(POT)
    meta = {"nplurals": 2, "plural_expr": "(n != 1)"}
    out = assemble(POT.encode(), meta, [Piece(units[0].locator, "a\u2028b\x00c\x85")])
    assert entries(out)["One"].msgstr == "a\nbc\n"


def test_crlf_stays_crlf() -> None:
    crlf = FULL.replace("\n", "\r\n")
    result, units = split(crlf)
    pieces = [Piece(u.locator, FR_ANSWERS[u.source]) for u in units]
    out = assemble(crlf.encode(), result.meta, pieces, target_language="fr", credits=("ann",))
    assert b"\n" not in out.replace(b"\r\n", b"")
    assert entries(out)["Only fuzzy"].msgstr == "Rien que flou"


def test_header_gets_language_plural_forms_charset_and_credits() -> None:
    out = answered(FULL, credits=("Ann", "Bob  Lee"))
    po = polib.pofile(out.decode())
    assert po.metadata["Language"] == "fr"
    assert po.metadata["Plural-Forms"] == "nplurals=2; plural=(n > 1);"
    assert po.metadata["Content-Type"] == "text/plain; charset=UTF-8"
    assert po.metadata["Project-Id-Version"] == "demo 1.0"
    assert list(po.metadata)[:3] == ["Project-Id-Version", "Language", "MIME-Version"]
    assert out.decode().startswith("# Translators: Ann, Bob Lee\n# French translation of Demo.\n")


def test_existing_language_and_plural_forms_are_kept() -> None:
    text = POT.replace(
        '"Content-Type',
        '"Language: fr_CA\\n"\n"Plural-Forms: nplurals=2; plural=(n > 1);\\n"\n"Content-Type',
    )
    result, units = split(text)
    out = assemble(
        text.encode(), result.meta, [Piece(units[0].locator, "Un")], target_language="fr"
    )
    assert polib.pofile(out.decode()).metadata["Language"] == "fr_CA"
    header_end = text.index("\n\n")
    assert out.decode()[:header_end] == text[:header_end]


def test_file_without_header_gets_one() -> None:
    result, units = split(NO_HEADER)
    out = assemble(
        NO_HEADER.encode(), result.meta, [Piece(units[0].locator, "Un")], target_language="fr"
    )
    po = polib.pofile(out.decode())
    assert po.metadata["Language"] == "fr"
    assert {e.msgid: e.msgstr for e in po} == {"One": "Un", "Two": "Deux"}


def test_bom_is_kept_in_front() -> None:
    text = "\ufeff" + POT
    result, units = split(text)
    out = assemble(text.encode(), result.meta, [Piece(units[0].locator, "Un")], credits=("ann",))
    assert out.startswith("\ufeff# Translators: ann\n".encode())
    assert entries(out)["One"].msgstr == "Un"


def test_plural_answer_must_have_one_string_per_form() -> None:
    result, units = split(FULL)
    files = by_source(units)["%d file"]
    with pytest.raises(FormatError, match="list of 2 strings"):
        assemble(FULL.encode(), result.meta, [Piece(files.locator, ["%d fichier"])])
    with pytest.raises(FormatError, match="must be a string"):
        assemble(FULL.encode(), result.meta, [Piece(units[0].locator, ["a", "b"])])


def test_locator_of_another_file_is_refused() -> None:
    result, units = split(FULL)
    with pytest.raises(FormatError, match="does not point at a msgstr"):
        assemble(POT.encode(), result.meta, [Piece(units[0].locator, "x")])


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="needs gettext's msgfmt")
def test_msgfmt_accepts_the_result(tmp_path: Path) -> None:
    path = tmp_path / "fr.po"
    path.write_bytes(answered(FULL, credits=("Ann",)))
    subprocess.run(["msgfmt", "--check", "-o", str(tmp_path / "fr.mo"), str(path)], check=True)  # noqa: S603, S607


# Plural forms.


def plural_meta(text: str, target: str | None) -> dict[str, Any]:
    return split(text, SplitOptions(source_language="en", target_language=target))[0].meta


@pytest.mark.parametrize(
    ("language", "nplurals", "names"),
    [
        ("fr", 2, ["one", "other"]),
        ("ru", 3, ["one", "few", "many"]),
        ("ja", 1, ["other"]),
        ("pt-BR", 2, ["one", "other"]),
        # Babel's Arabic expression puts 100-102 ("other") before 11-99 ("many").
        ("ar", 6, ["zero", "one", "two", "few", "other", "many"]),
    ],
)
def test_plural_forms_come_from_the_target_language(
    language: str, nplurals: int, names: list[str]
) -> None:
    meta = plural_meta(POT, language)
    assert meta["nplurals"] == nplurals
    assert meta["plural_forms"] == names
    assert meta["language"] == language.replace("-", "_")


def test_header_plural_forms_take_precedence() -> None:
    text = POT.replace(
        '"Content-Type',
        '"Plural-Forms: nplurals=3; plural=(n==1 ? 0 : n==2 ? 1 : 2);\\n"\n"Content-Type',
    )
    meta = plural_meta(text, "fr")
    assert meta["nplurals"] == 3
    assert meta["plural_expr"] == "(n==1 ? 0 : n==2 ? 1 : 2)"
    assert meta["plural_forms"] == ["n=1", "n=2", "n=0"]


def test_header_language_is_used_without_a_target() -> None:
    text = POT.replace('"Content-Type', '"Language: ru\\n"\n"Content-Type')
    assert plural_meta(text, None)["nplurals"] == 3


def test_unusable_plural_forms_and_unknown_language_fall_back_to_two_forms() -> None:
    text = POT.replace(
        '"Content-Type', '"Plural-Forms: nplurals=2; plural=n ? 5 : 0;\\n"\n"Content-Type'
    )
    meta = plural_meta(text, "xx")
    assert (meta["nplurals"], meta["plural_expr"]) == (2, "(n != 1)")
    assert meta["plural_forms"] == ["n=1", "n=0"]


# Refused files.


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"  \n", "empty"),
        (b'msgid "caf\xe9"\nmsgstr ""\n', r"not valid UTF-8: byte 0xe9 at offset 10"),
        (b'msgid "a\x00"\nmsgstr ""\n', "NUL byte"),
        (b'msgid "a"\nmsgstr "b" "c\n', "line 2"),
        (b'msgid "a"\nfoo\n', "PO syntax error at line 2"),
        (b"msgid", "no message to translate"),
        (b'msgid "a"\nmsgstr "b"\n', "no message to translate"),
        (b'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n', "no message"),
        (
            b'msgid ""\nmsgstr "Content-Type: text/plain; charset=ISO-8859-1\\n"\n\n'
            b'msgid "a"\nmsgstr ""\n',
            "charset=ISO-8859-1; only UTF-8 PO files are accepted",
        ),
        (b'msgid "a"\nmsgstr ""\n\nmsgid "a"\nmsgstr ""\n', "defined twice"),
        # polib appends an obsolete-marked string to the live msgstr before it; refuse to guess.
        (b'msgid "a"\nmsgstr "x"\n#~ "y"\n\nmsgid "b"\nmsgstr ""\n', "unsupported PO layout"),
    ],
)
def test_bad_files_are_refused_with_a_reason(data: bytes, message: str) -> None:
    with pytest.raises(FormatError, match=message):
        PO.split(data, FR)


def test_a_file_path_is_not_read_from_disk(tmp_path: Path) -> None:
    path = tmp_path / "secret.po"
    path.write_text('msgid "secret"\nmsgstr ""\n')
    with pytest.raises(FormatError, match="no message to translate"):
        PO.split(str(path).encode(), FR)


# Files written by polib itself, with random content.

_UNWRITABLE = "\x00\x1c\x1d\x1e\x85\u2028\u2029"  # polib writes these raw, then splits lines there
_safe_text = st.text(
    st.characters(exclude_categories=["Cs"], exclude_characters=_UNWRITABLE), max_size=40
)
_comments = st.text(
    st.characters(exclude_categories=["Cs"], exclude_characters=_UNWRITABLE + "\r\n\x0b\x0c"),
    max_size=20,
)


@st.composite
def po_files(draw: st.DrawFn) -> str:
    po = polib.POFile(wrapwidth=draw(st.sampled_from([0, 30, 78])))
    po.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Language": "de"}
    identities = draw(
        st.lists(
            st.tuples(st.none() | _safe_text, _safe_text.filter(bool)), unique=True, max_size=8
        )
    )
    for msgctxt, msgid in identities:
        plural = draw(st.booleans())
        translation = draw(_safe_text)
        entry = polib.POEntry(
            msgctxt=msgctxt,
            msgid=msgid,
            msgid_plural=msgid + "s" if plural else "",
            msgstr="" if plural else translation,
            msgstr_plural={0: translation, 1: translation} if plural else {},
            flags=draw(st.lists(st.sampled_from(["fuzzy", "c-format", "no-wrap"]), unique=True)),
            comment=draw(_comments),
            tcomment=draw(_comments),
            occurrences=[("src/a.py", "12")] if draw(st.booleans()) else [],
            obsolete=draw(st.booleans()) and not plural,
        )
        po.append(entry)
    text = str(po)
    return text.replace("\n", "\r\n") if draw(st.booleans()) else text


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(po_files(), _safe_text)
def test_polib_written_files_split_and_assemble(text: str, answer: str) -> None:
    data = text.encode()
    original = [e for e in polib.pofile(text) if not e.obsolete]
    todo = [e for e in original if e.msgid and not e.translated()]
    if not todo:
        with pytest.raises(FormatError, match="no message to translate"):
            PO.split(data, FR)
        return
    result = PO.split(data, FR)
    units = list(result.units)
    assert [(u.source, u.source_plural or "") for u in units] == [
        (e.msgid, e.msgid_plural) for e in todo
    ]
    assert assemble(data, result.meta, [Piece(u.locator, None) for u in units]) is data
    pieces = [Piece(u.locator, [answer] * 2 if u.locator["plural"] else answer) for u in units]
    out = polib.pofile(assemble(data, result.meta, pieces, target_language="de").decode())
    after = {(e.msgctxt, e.msgid): e for e in out if not e.obsolete}
    for entry in original:
        new = after[(entry.msgctxt, entry.msgid)]
        if entry in todo:
            assert (new.msgstr_plural or new.msgstr) == (
                {0: answer, 1: answer} if entry.msgid_plural else answer
            )
            assert not new.fuzzy
            assert new.flags == [f for f in entry.flags if f != "fuzzy"]
        else:
            assert (new.msgstr, new.msgstr_plural, new.flags) == (
                entry.msgstr,
                entry.msgstr_plural,
                entry.flags,
            )
