"""Consensus: which redundant answer is accepted, and when a person or another answer is needed."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from tasks_service.reviews.consensus import (
    LabelPosterior,
    LabelResponse,
    TextAnswer,
    aggregate_labels,
    decide_text,
    fit_labels,
    label_decision,
    worker_accuracy,
)

LABELS = ["a", "b", "c", "d"]


def texts(*pairs: tuple[str, float]) -> list[TextAnswer]:
    return [TextAnswer(i, text, reliability) for i, (text, reliability) in enumerate(pairs, 1)]


def test_near_identical_translations_cluster_apart_from_an_outlier() -> None:
    decision = decide_text(
        texts(
            ("Please save your changes before closing the window.", 0.7),
            ("please save your changes before you close the window", 0.7),
            ("Please   SAVE your changes before closing the window!", 0.7),
            ("Click here to download the latest version.", 0.7),
        ),
        agreement_threshold=0.7,
    )
    assert decision.clusters == [[1, 2, 3], [4]]
    assert decision.agreement == pytest.approx(0.75)
    assert decision.accept in decision.clusters[0]
    assert "3 of 4 answers agree" in decision.reason
    assert "set aside: #4." in decision.reason


def test_the_accepted_answer_is_the_one_closest_to_the_rest_of_its_group() -> None:
    decision = decide_text(
        texts(
            ("The meeting starts at noon", 0.7),
            ("The meeting starts at noon in room four", 0.7),
            ("The meeting starts at noon in room", 0.7),
        )
    )
    assert decision.clusters == [[1, 2, 3]]
    assert decision.accept == 3


def test_case_spacing_and_full_width_forms_do_not_make_answers_differ() -> None:
    decision = decide_text(texts(("YES,   PLEASE", 0.7), ("yes, please", 0.7)))
    assert decision.clusters == [[1, 2]]
    assert decision.agreement == 1.0
    assert decision.accept == 1
    assert decide_text(texts(("ＯＫ", 0.7), ("ok", 0.7))).clusters == [[1, 2]]


def test_low_agreement_goes_to_review_with_a_reason() -> None:
    split = decide_text(
        texts(
            ("The cat sat on the mat.", 0.7),
            ("The cat sat on the mat", 0.7),
            ("It is raining and we stay at home.", 0.7),
            ("It is raining and we stay at home", 0.7),
        )
    )
    assert split.accept is None
    assert split.agreement == pytest.approx(0.5)
    assert "disagree" in split.reason
    assert "50%" in split.reason
    assert "80%" in split.reason
    unrelated = decide_text(texts(("Yes", 0.9), ("Open the door", 0.9), ("Never mind", 0.9)))
    assert unrelated.accept is None
    assert unrelated.clusters == [[1], [2], [3]]
    assert "No two of the 3 answers" in unrelated.reason


def test_a_lone_answer_is_not_accepted_even_by_a_reliable_author() -> None:
    decision = decide_text(texts(("Bonjour", 1.0)))
    assert decision.accept is None
    assert "Only one answer" in decision.reason


@pytest.mark.parametrize(("cat", "dog", "winner"), [(0.95, 0.2, 1), (0.2, 0.95, 3)])
def test_reliability_decides_between_groups_of_equal_size(
    cat: float, dog: float, winner: int
) -> None:
    decision = decide_text(
        texts(
            ("The cat sat on the mat.", cat),
            ("The cat sat on the mat", cat),
            ("A dog ate my homework.", dog),
            ("A dog ate my homework", dog),
        )
    )
    assert decision.clusters[0] == [winner, winner + 1]
    assert decision.accept == winner
    assert decision.agreement == pytest.approx(1.9 / 2.3)


def test_of_two_equivalent_answers_the_more_reliable_author_wins() -> None:
    decision = decide_text(texts(("Good morning.", 0.6), ("good morning", 0.9)))
    assert decision.accept == 2


def test_out_of_range_reliability_and_empty_input_are_refused() -> None:
    with pytest.raises(ValueError, match="reliability"):
        decide_text(texts(("x", 1.5), ("x", 0.5)))
    with pytest.raises(ValueError, match="no answers"):
        decide_text([])


def crowd(
    accuracies: dict[int, float], tasks: int, seed: int
) -> tuple[dict[int, str], list[LabelResponse]]:
    """Every worker answers every task: right with their accuracy, else a wrong label at random."""
    rng = random.Random(seed)
    truth = {t: rng.choice(LABELS) for t in range(tasks)}
    responses = []
    for t, right in truth.items():
        for worker, accuracy in accuracies.items():
            wrong = [label for label in LABELS if label != right]
            label = right if rng.random() < accuracy else rng.choice(wrong)
            responses.append(LabelResponse(t, worker, label))
    return truth, responses


def majority(labels: list[str]) -> str:
    """Plurality vote; a tie goes to the label first in sorted order."""
    counts = Counter(labels)
    return min(counts, key=lambda label: (-counts[label], label))


def test_dawid_skene_follows_a_reliable_minority_where_majority_vote_does_not() -> None:
    truth, responses = crowd({1: 0.95, 2: 0.95, 3: 0.3, 4: 0.3, 5: 0.3}, tasks=200, seed=0)
    answers = {(r.task_id, r.worker_id): r.label for r in responses}
    votes = {t: [answers[t, w] for w in range(1, 6)] for t in truth}
    outvoted = [t for t in truth if answers[t, 1] == answers[t, 2] != majority(votes[t])]
    assert len(outvoted) >= 20  # the weak majority outvotes two agreeing reliable workers

    posteriors = aggregate_labels(responses, {})
    assert [t for t in outvoted if posteriors[t].label != answers[t, 1]] == []
    ours = sum(posteriors[t].label == right for t, right in truth.items())
    by_majority = sum(majority(votes[t]) == right for t, right in truth.items())
    assert ours >= by_majority + 0.1 * len(truth)


def test_gold_labels_are_clamped_and_calibrate_the_workers() -> None:
    # Workers 1 and 2 swap "a" and "b"; worker 3 is right. Only gold can show which is which.
    swap = {"a": "b", "b": "a"}
    gold = {t: "ab"[t % 2] for t in range(40)}
    responses = [
        LabelResponse(t, w, swap[right] if w in (1, 2) else right)
        for t, right in [*gold.items(), (99, "a")]
        for w in (1, 2, 3)
    ]
    with_gold = aggregate_labels(responses, gold)
    assert all(
        with_gold[t] == LabelPosterior(right, 1.0, {"a": 0.0, "b": 0.0} | {right: 1.0})
        for t, right in gold.items()
    )
    assert with_gold[99].label == "a"
    assert aggregate_labels(responses, {})[99].label == "b"
    accuracy = worker_accuracy(responses, gold)
    assert accuracy[3] > 0.8 > 0.2 > max(accuracy[1], accuracy[2])


def test_a_spammer_gets_a_low_estimated_accuracy() -> None:
    _, responses = crowd({1: 0.9, 2: 0.85, 3: 0.9, 4: 0.8, 5: 0.25}, tasks=300, seed=3)
    accuracy = worker_accuracy(responses, {})
    assert accuracy[5] < 0.35
    assert all(abs(accuracy[w] - true) < 0.06 for w, true in [(1, 0.9), (2, 0.85), (4, 0.8)])


def test_a_worker_with_two_answers_is_neither_infallible_nor_useless() -> None:
    truth, responses = crowd({1: 0.9, 2: 0.9, 3: 0.9}, tasks=100, seed=5)
    responses.append(LabelResponse(0, 4, truth[0]))
    alone = LabelResponse(1000, 4, "a")
    fit = fit_labels([*responses, alone], {})
    assert 0.7 < fit.accuracy[4] < 0.95
    assert 0.5 < fit.posteriors[1000].confidence < 0.9


def test_decisions_accept_when_confident_and_ask_again_otherwise() -> None:
    _, responses = crowd({1: 0.9, 2: 0.9, 3: 0.85, 4: 0.9}, tasks=200, seed=11)
    agreed = [LabelResponse(500, w, "c") for w in (1, 2, 3)]
    split = [LabelResponse(501, 1, "a"), LabelResponse(501, 2, "b")]
    posteriors = aggregate_labels([*responses, *agreed, *split], {})
    assert label_decision(posteriors[500]) == "c"
    assert posteriors[501].confidence < 0.6
    assert label_decision(posteriors[501]) is None
    assert label_decision(posteriors[501], threshold=0.4) == posteriors[501].label
    assert label_decision(LabelPosterior("a", 0.9, {"a": 0.9, "b": 0.1})) == "a"
    assert label_decision(LabelPosterior("a", 0.89, {"a": 0.89, "b": 0.11})) is None


def test_same_input_in_any_order_gives_the_same_output() -> None:
    _, responses = crowd({1: 0.9, 2: 0.6, 3: 0.4, 4: 0.25}, tasks=100, seed=13)
    gold = {0: "a", 1: "b"}
    shuffled = responses[:]
    random.Random(1).shuffle(shuffled)
    assert fit_labels(responses, gold) == fit_labels(shuffled, gold)
    answers = texts(("Bonjour à tous", 0.7), ("bonjour a tous", 0.8), ("Salut", 0.9))
    assert decide_text(answers) == decide_text(answers[::-1])


def test_a_worker_answering_a_task_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="more than once"):
        aggregate_labels([LabelResponse(1, 1, "a"), LabelResponse(1, 1, "b")], {})
