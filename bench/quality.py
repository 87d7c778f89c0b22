"""Consensus quality: majority vote, crowd-kit's Dawid-Skene and ours, on the same simulated crowds.

Each crowd answers a label job (2,000 tasks, 4 classes, 5 % of them gold) with volunteers of known
accuracy; every task has an ordered stream of 5 answers from distinct volunteers, so the fixed and
adaptive policies, and the three aggregators, all see the same answers, and both Dawid-Skenes get
the same gold. Accuracy is counted on the tasks that are not gold. The goal line per mix compares
ours with each crowd-kit policy at that policy's answers per task. Run as
`.venv/bin/python bench/quality.py`; crowd-kit is a bench-only dependency, without it its column
says n/a.
"""

from __future__ import annotations

import argparse
import importlib
import os
import random
import statistics
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from tasks_service.reviews.consensus_labels import LabelResponse, fit_labels

LABELS = ("a", "b", "c", "d")
MAX_ANSWERS = 5
Labels = dict[int, str]
Outcome = tuple[float, float]  # accuracy on the tasks that are not gold, answers per task
# An aggregator: responses and gold in, each task's label and confidence out.
Aggregator = Callable[[Sequence[LabelResponse], Mapping[int, str]], dict[int, tuple[str, float]]]


@dataclass(frozen=True)
class Volunteer:
    """``errors[c]``: how this volunteer's wrong answers spread when the truth is ``c``."""

    accuracy: float
    spammer: bool
    errors: dict[str, list[float]]


@dataclass(frozen=True)
class Crowd:
    truth: Labels
    gold: Labels
    stream: dict[int, list[LabelResponse]]  # task -> its answers in arrival order


def good(rng: random.Random) -> float:
    return rng.uniform(0.8, 0.95)


def mixed(rng: random.Random) -> float:
    return rng.uniform(0.5, 0.95)


MIXES: dict[str, tuple[float, Callable[[random.Random], float]]] = {
    "all good 0.80-0.95": (0.0, good),
    "mixed 0.50-0.95": (0.0, mixed),
    "mixed + 10% spam": (0.1, mixed),
    "mixed + 20% spam": (0.2, mixed),
    "mixed + 30% spam": (0.3, mixed),
}


def volunteers(
    count: int, spam: float, draw: Callable[[random.Random], float], seed: int
) -> list[Volunteer]:
    """Honest volunteers confuse some labels more than others; spammers answer uniformly."""
    rng = random.Random(seed)
    crowd = []
    for i in range(count):
        if i < round(spam * count):
            crowd.append(Volunteer(0.25, True, {}))
            continue
        errors = {}
        for right in LABELS:
            weights = [rng.gammavariate(1.0, 1.0) for _ in LABELS[1:]]
            errors[right] = [w / sum(weights) for w in weights]
        crowd.append(Volunteer(draw(rng), False, errors))
    return crowd


def simulate(
    args: argparse.Namespace, spam: float, draw: Callable[[random.Random], float], seed: int
) -> Crowd:
    """A job's answers; some volunteers answer far more often than others, as on real platforms."""
    rng = random.Random(seed)
    crowd = volunteers(args.volunteers, spam, draw, seed)
    activity = [rng.paretovariate(1.5) for _ in crowd]
    truth = {t: rng.choice(LABELS) for t in range(args.tasks)}
    gold_tasks = sorted(rng.sample(range(args.tasks), round(args.gold * args.tasks)))
    stream: dict[int, list[LabelResponse]] = {}
    for t, right in truth.items():
        chosen: list[int] = []
        while len(chosen) < MAX_ANSWERS:
            (w,) = rng.choices(range(len(crowd)), weights=activity)
            if w not in chosen:
                chosen.append(w)
        stream[t] = [LabelResponse(t, w, answer(crowd[w], right, rng)) for w in chosen]
    return Crowd(truth, {t: truth[t] for t in gold_tasks}, stream)


def answer(volunteer: Volunteer, right: str, rng: random.Random) -> str:
    if volunteer.spammer:
        return rng.choice(LABELS)
    if rng.random() < volunteer.accuracy:
        return right
    wrong = [label for label in LABELS if label != right]
    return rng.choices(wrong, weights=volunteer.errors[right])[0]


def majority(
    responses: Sequence[LabelResponse], gold: Mapping[int, str]
) -> dict[int, tuple[str, float]]:
    """Plurality vote, ties broken at random (seeded); gold tasks are not scored, so no gold."""
    rng = random.Random(0)
    by_task: dict[int, list[str]] = {}
    for r in responses:
        by_task.setdefault(r.task_id, []).append(r.label)
    result = {}
    for task, labels in sorted(by_task.items()):
        counts = Counter(labels)
        top = max(counts.values())
        label = rng.choice(sorted(label for label, n in counts.items() if n == top))
        result[task] = (label, top / len(labels))
    return result


def ours(
    responses: Sequence[LabelResponse], gold: Mapping[int, str]
) -> dict[int, tuple[str, float]]:
    """The module under test, with its defaults."""
    fit = fit_labels(responses, gold)
    return {task: (p.label, p.confidence) for task, p in fit.posteriors.items()}


def crowd_kit() -> Aggregator | None:
    """crowd-kit's DawidSkene with its defaults (100 rounds at most, tolerance 1e-5), gold given."""
    try:
        import pandas as pd
        from crowdkit.aggregation import DawidSkene
    except ImportError:
        return None

    def aggregate(
        responses: Sequence[LabelResponse], gold: Mapping[int, str]
    ) -> dict[int, tuple[str, float]]:
        frame = pd.DataFrame(
            [(r.task_id, r.worker_id, r.label) for r in responses],
            columns=["task", "worker", "label"],
        )
        probas = DawidSkene().fit_predict_proba(frame, true_labels=pd.Series(dict(gold)))
        return {int(task): (str(row.idxmax()), float(row.max())) for task, row in probas.iterrows()}

    return aggregate


def accuracy(crowd: Crowd, decided: dict[int, tuple[str, float]]) -> float:
    scored = [t for t in crowd.truth if t not in crowd.gold]
    return sum(decided[t][0] == crowd.truth[t] for t in scored) / len(scored)


def fixed(crowd: Crowd, answers: int) -> list[LabelResponse]:
    return [r for stream in crowd.stream.values() for r in stream[:answers]]


def adaptive(crowd: Crowd, aggregate: Aggregator, start: int, threshold: float) -> Outcome:
    """Accept a task when confident, else ask one more volunteer, up to 5; (accuracy, answers/task).

    Gold tasks are known, so they keep their first answers; every round refits on all answers.
    """
    given = {t: start for t in crowd.stream}
    while True:
        responses = [r for t, stream in crowd.stream.items() for r in stream[: given[t]]]
        decided = aggregate(responses, crowd.gold)
        unsure = [
            t
            for t, (label, confidence) in decided.items()
            if t not in crowd.gold and given[t] < MAX_ANSWERS and confidence < threshold
        ]
        if not unsure:
            return accuracy(crowd, decided), sum(given.values()) / len(given)
        for t in unsure:
            given[t] += 1


def outcomes(
    crowd: Crowd, aggregators: dict[str, Aggregator], args: argparse.Namespace
) -> dict[tuple[str, str], Outcome]:
    """Every (policy, aggregator) pair on one crowd; majority vote has no confidence to adapt on."""
    result: dict[tuple[str, str], Outcome] = {}
    for n in (3, MAX_ANSWERS):
        responses = fixed(crowd, n)
        for name, aggregate in aggregators.items():
            decided = aggregate(responses, crowd.gold)
            result[f"{n} each", name] = (accuracy(crowd, decided), float(n))
    for threshold in args.thresholds:
        for name, aggregate in aggregators.items():
            if name != "majority":
                policy = f"adaptive >={threshold}"
                result[policy, name] = adaptive(crowd, aggregate, args.start, threshold)
    return result


def ours_within(budget: float, points: list[Outcome]) -> float:
    """Our best accuracy at no more than ``budget`` answers per task.

    Between two of our policies, running one on a share of the tasks and the other on the rest
    reaches every point of the line joining them, so the line counts too.
    """
    best = max((a for a, n in points if n <= budget), default=0.0)
    for a1, n1 in points:
        for a2, n2 in points:
            if n1 < budget < n2:
                best = max(best, a1 + (a2 - a1) * (budget - n1) / (n2 - n1))
    return best


def goal(means: dict[tuple[str, str], Outcome]) -> str:
    """Ours against each crowd-kit policy, at that policy's answers per task (in points)."""
    points = [outcome for (_, name), outcome in means.items() if name == "ours"]
    gaps = {
        policy: 100 * (ours_within(answers, points) - kit_accuracy)
        for (policy, name), (kit_accuracy, answers) in means.items()
        if name == "crowd-kit DS"
    }
    verdict = "met" if min(gaps.values()) >= 0 else "MISSED"
    return f"{verdict}: " + ", ".join(f"{policy} {gap:+.1f}" for policy, gap in gaps.items())


def quality_table(args: argparse.Namespace) -> None:
    aggregators: dict[str, Aggregator] = {"majority": majority}
    kit = crowd_kit()
    if kit is None:
        print("crowd-kit is not installed (`.venv/bin/pip install crowd-kit`): its column says n/a")
    else:
        aggregators["crowd-kit DS"] = kit
    aggregators["ours"] = ours
    columns = ("majority", "crowd-kit DS", "ours")
    print(
        f"{args.tasks} tasks, {len(LABELS)} classes, {args.gold:.0%} gold, {args.volunteers} "
        f"volunteers; each cell: accuracy on non-gold tasks (mean of {args.seeds} seeds) "
        f"@ answers per task.\nadaptive: {args.start} answers, then one more while the "
        f"confidence is below the threshold, at most {MAX_ANSWERS}; gold tasks keep {args.start}."
    )
    print(f"{'mix':<20} {'policy':<15}" + "".join(f"{c:>16}" for c in columns))
    for mix, (spam, draw) in MIXES.items():
        runs = [
            outcomes(simulate(args, spam, draw, seed), aggregators, args)
            for seed in range(args.seeds)
        ]
        means = {
            key: (
                statistics.fmean(r[key][0] for r in runs),
                statistics.fmean(r[key][1] for r in runs),
            )
            for key in runs[0]
        }
        for policy in dict.fromkeys(policy for policy, _ in means):
            cells = [
                f"{100 * means[policy, c][0]:.1f} % @{means[policy, c][1]:.2f}"
                if (policy, c) in means
                else "n/a"
                for c in columns
            ]
            print(f"{mix:<20} {policy:<15}" + "".join(f"{cell:>16}" for cell in cells))
        if kit is not None:
            print(f"{mix:<20} ours - crowd-kit at crowd-kit's answers/task: {goal(means)}")


def speed(args: argparse.Namespace) -> None:
    """The service's worst case named in the design: one fit over 10,000 tasks x 5 answers."""
    timing = argparse.Namespace(**{**vars(args), "tasks": 10_000, "volunteers": 1_000})
    crowd = simulate(timing, 0.1, mixed, seed=99)
    responses = fixed(crowd, MAX_ANSWERS)
    started = time.perf_counter()
    fit = fit_labels(responses, crowd.gold)
    ours_s = time.perf_counter() - started
    print(
        f"speed: ours fits {len(crowd.truth):,} tasks x {MAX_ANSWERS} answers in {ours_s:.2f} s "
        f"({fit.rounds} EM rounds, plain Python, load average {os.getloadavg()[0]:.2f})"
    )
    kit = crowd_kit()
    if kit is not None:
        started = time.perf_counter()
        kit(responses, crowd.gold)
        kit_s = time.perf_counter() - started
        print(f"speed: crowd-kit's DawidSkene (pandas) on the same answers: {kit_s:.2f} s")


def text_checks_table() -> None:
    """The answer checks' precision and recall, from bench/check_quality.py when it is there.

    That file is another benchmark's; its ``check_quality()`` gives (mistake, precision, recall,
    cases) rows.
    """
    if not Path(__file__).with_name("check_quality.py").exists():
        print("text checks: skipped, bench/check_quality.py is not there yet")
        return
    rows = importlib.import_module("check_quality").check_quality()
    print(f"\n{'answer check':<20} {'precision':>9} {'recall':>7} {'cases':>6}")
    for mistake, precision, recall, cases in rows:
        print(f"{mistake:<20} {precision:>9.3f} {recall:>7.3f} {cases:>6}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=2_000)
    parser.add_argument("--volunteers", type=int, default=200)
    parser.add_argument("--gold", type=float, default=0.05)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--start", type=int, default=3, help="answers before the adaptive policy")
    parser.add_argument("--thresholds", type=float, nargs="+", default=[0.9, 0.99])
    args = parser.parse_args()
    quality_table(args)
    speed(args)
    text_checks_table()


if __name__ == "__main__":
    main()
