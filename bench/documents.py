"""Generated documents for the benchmarks: realistic shapes, deterministic content."""

from __future__ import annotations

import random

WORDS = ["the", "quick", "brown", "fox", "jumps", "over", "a", "lazy", "dog", "while", "seven"]
PO_HEADER = r"""# French translation of Example.
msgid ""
msgstr ""
"Project-Id-Version: example 1.0\n"
"PO-Revision-Date: 2026-01-02 10:00+0100\n"
"Last-Translator: Bench <bench@example.org>\n"
"Language-Team: French <fr@example.org>\n"
"Language: fr\n"
"MIME-Version: 1.0\n"
"Content-Type: text/plain; charset=UTF-8\n"
"Content-Transfer-Encoding: 8bit\n"
"Plural-Forms: nplurals=2; plural=(n > 1);\n"
"""


def text_document(paragraphs: int) -> bytes:
    """Distinct short paragraphs, so every task has its own source."""
    rng = random.Random(1)
    return "\n\n".join(
        f"{i}. {' '.join(rng.choices(WORDS, k=12))}." for i in range(paragraphs)
    ).encode()


def po_document(messages: int) -> bytes:
    """A gettext catalogue shaped like a real one: comments, references, flags, plurals, context."""
    rng = random.Random(2)
    out = [*PO_HEADER.splitlines(), ""]
    for i in range(messages):
        words, kind = " ".join(rng.choices(WORDS, k=rng.randint(2, 10))).capitalize(), i % 10
        out += [f"#. Shown in the {rng.choice(WORDS)} dialog"] if i % 7 == 0 else []
        out.append(f"#: src/module{i % 40}.c:{10 + i} src/common.c:{i % 300}")
        out += ["#, c-format"] if kind in (1, 2, 4) else []
        out += [f'msgctxt "menu {i % 13}"'] if kind == 3 else []
        if kind == 4:
            out += [f'msgid "%d {words} {i}"', f'msgid_plural "%d {words}s {i}"']
            out += ['msgstr[0] ""', 'msgstr[1] ""', ""]
        elif kind == 5:  # a long message, wrapped the way xgettext writes it
            out += ['msgid ""', f'"{words}, and more, {i}, "', f'"{words}."', 'msgstr ""', ""]
        else:
            msgid = {1: f"{words} %s ({i})", 2: f"%s: {words} %d of %d ({i})"}.get(kind)
            out += [f'msgid "{msgid or f"{words} {i}"}"', 'msgstr ""', ""]
    out += ['#~ msgid "An old message"', '#~ msgstr "Un ancien message"', ""]
    return "\n".join(out).encode()


def markdown_document(size: int) -> bytes:
    """A Markdown manual of about ``size`` bytes: headings, prose, lists, tables, code, quotes."""
    rng = random.Random(3)
    parts: list[str] = ["---", "title: Manual", "---", ""]
    total, section = 0, 0
    while total < size:
        section += 1
        block = [
            f"## Section {section}: {' '.join(rng.choices(WORDS, k=3))}",
            "",
            f"The *{rng.choice(WORDS)}* {' '.join(rng.choices(WORDS, k=14))}, see "
            f"[the guide](https://example.org/{section}) and `code {section}`.",
            f"{' '.join(rng.choices(WORDS, k=10)).capitalize()} **{rng.choice(WORDS)}**.",
            "",
            f"- {' '.join(rng.choices(WORDS, k=6))}",
            f"- {' '.join(rng.choices(WORDS, k=7))} {section}",
            "",
            "| name | meaning |",
            "| --- | --- |",
            f"| {rng.choice(WORDS)} {section} | {' '.join(rng.choices(WORDS, k=4))} |",
            "",
            "```python",
            f"print({section})",
            "```",
            "",
            f"> {' '.join(rng.choices(WORDS, k=9))} {section}.",
            "",
        ]
        text = "\n".join(block) + "\n"
        parts.append(text)
        total += len(text)
    return "\n".join(parts).encode()
