"""Metrics follow SQuAD's definitions; the seeds evaluation stays above its recorded floors."""

import json

import pytest

from qa.eval.metrics import answer_scores, exact_match, f1
from qa.eval.seeds_eval import FLOORS, below_floors, evaluate, load_items


def test_squad_normalisation_and_max_over_references():
    assert exact_match("The  February!", ["february"]) == 1.0
    assert exact_match("in February", ["February"]) == 0.0
    assert f1("in February", ["February", "next month"]) == pytest.approx(2 / 3)
    assert f1("", ["x"]) == 0.0
    scores = answer_scores(["Berlin", None], [["Berlin"], ["Kyiv"]])
    assert scores["exact_match"] == 50.0 and scores["per_item"][1] == {"em": 0.0, "f1": 0.0}


def test_evaluation_set_is_well_formed():
    items = load_items()
    assert len(items) >= 30 and len({i.id for i in items}) == len(items)
    assert sum(1 for i in items if not i.answers) >= 5
    assert {i.kind for i in items} >= {"who", "what", "when", "where", "how many", "why", "paraphrase"}


@pytest.mark.slow
def test_seeds_evaluation_meets_its_floors(seeds_assistant):
    report = evaluate(seeds_assistant, load_items())
    floors = json.loads(FLOORS.read_text())
    assert set(floors) <= set(report["figures"])
    assert below_floors(report["figures"], floors) == []
