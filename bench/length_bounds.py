"""Measure the ``length_ratio`` check's unit and bounds from this machine's gettext catalogues.

`.venv/bin/python bench/length_bounds.py` prints what ``tasks_service/checks_text/length.py``
holds for the languages ``bench/check_quality.py`` samples: the width of a Han character and of
a kana by least squares (each language's answers against their English sources' widths), the
flat bounds (0.5th and 99.5th percentiles of the ratio, sources of 15 or more columns, widened
to the next 0.05) and the lower bound per source width (the ``SHORTEST_QUANTILE`` percentile,
rounded down; a width bucket of fewer than 200 messages takes the bound of the bucket below,
or the first bucket that of the first measured).

``--languages cs he ...`` measures other languages (none of them is sampled). The messages
``bench/check_quality.py`` samples are left out, so that its figures measure the
check on messages it was not fitted to; ``--in-sample`` keeps them, for comparison.
"""

from __future__ import annotations

import argparse
import bisect
import math
import random
import sys
from collections import defaultdict

import numpy as np
from check_quality import LANGUAGES, SEED, cases, catalogues, task_for

from tasks_service.checks_text import length
from tasks_service.checks_text.common import language, plain

MIN_BUCKET = 200


def pairs(languages: tuple[str, ...], in_sample: bool) -> dict[str, list[tuple[str, str]]]:
    """language -> (plain source, plain translation) of the messages kept for fitting."""
    found = catalogues(languages)
    sample = [] if in_sample else cases(random.Random(SEED))
    held_out = {(case.language, case.task.source) for case in sample}
    kept: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for msgid, translations in sorted(found.items()):
        task = task_for(msgid)
        for code, msgstr in translations.items():
            if (code, msgid) not in held_out:
                kept[code].append((plain(task, msgid), plain(task, msgstr)))
    return kept


def script_weights(kept: dict[str, list[tuple[str, str]]]) -> None:
    """Least-squares widths of a Han character and a kana, other characters at their width.

    Each translation's counts over its source's width should add up to 1 (a faithful
    translation as long as its source); the fit's widths are in English letters.
    """
    for code in ("ja", "zh_CN"):
        rows = []
        for source, text in kept[code]:
            source_width = length.width(source)
            if source_width < length.MIN_SOURCE_WIDTH:
                continue
            han = sum(map(length.is_han, text))
            kana = sum(map(length.is_kana, text))
            rest = length.width(
                "".join(c for c in text if not (length.is_han(c) or length.is_kana(c)))
            )
            rows.append((han / source_width, kana / source_width, rest / source_width))
        matrix = np.array(rows)
        used = matrix.sum(axis=0) > 0.01 * matrix.sum()  # no kana in Chinese
        fitted, *_ = np.linalg.lstsq(matrix[:, used], np.ones(len(rows)), rcond=None)
        names = np.array(["han", "kana", "other"])[used]
        widths = ", ".join(f"{name} {value:.2f}" for name, value in zip(names, fitted, strict=True))
        print(f"{code}: widths in English letters: {widths}")


def bucket(source_width: float) -> int:
    """The start of the width bucket a source falls in."""
    return length.WIDTHS[bisect.bisect_right(length.WIDTHS, source_width) - 1]


def bounds(languages: tuple[str, ...], kept: dict[str, list[tuple[str, str]]]) -> None:
    print(f"\nFROM_ENGLISH and SHORTEST_FROM_ENGLISH (quantile {length.SHORTEST_QUANTILE}):")
    for code in languages:
        buckets: dict[int, list[float]] = defaultdict(list)
        long_ratios = []
        for source, text in kept[code]:
            source_width = length.width(source)
            if source_width < length.MIN_SOURCE_WIDTH:
                continue
            ratio = length.width(text) / source_width
            buckets[bucket(source_width)].append(ratio)
            if source_width >= length.LONG_SOURCE_WIDTH:
                long_ratios.append(ratio)
        measured = [
            math.floor(np.percentile(buckets[start], length.SHORTEST_QUANTILE) * 100) / 100
            if len(buckets[start]) >= MIN_BUCKET
            else None
            for start in length.WIDTHS
        ]
        first = next(low for low in measured if low is not None)
        row: list[float] = []
        for low in measured:
            row.append(low if low is not None else (row[-1] if row else first))
        low, high = np.percentile(long_ratios, 0.5), np.percentile(long_ratios, 99.5)
        flat = (math.floor(low * 20) / 20, math.ceil(high * 20) / 20)
        counts = "/".join(str(len(buckets[start])) for start in length.WIDTHS)
        print(f'    "{language(code)}": {flat}, {tuple(row)},  # {counts} messages')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--in-sample", action="store_true", help="keep check_quality's sample")
    parser.add_argument(
        "--languages", nargs="+", default=LANGUAGES, help="catalogue languages (default: sampled)"
    )
    arguments = parser.parse_args()
    languages = tuple(arguments.languages)
    kept = pairs(languages, arguments.in_sample)
    if {"ja", "zh_CN"} <= set(languages):
        script_weights(kept)
    bounds(languages, kept)


if __name__ == "__main__":
    sys.exit(main())
