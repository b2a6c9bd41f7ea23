"""The classifier's second opinion (streams/classify.py): native and pure-Python scorers give the same floats,
the windows and the abstention behave as documented, and ``tag`` applies the opinion as the schema says."""

from __future__ import annotations

import dataclasses
import math

import pytest
from hypothesis import given

from streams import classify
from streams import tag as tagging
from streams.evaluate import load
from streams.normalise import normalise
from streams.records import RawArticle
from tests.conftest import ROOT, SEEDS
from tests.unit.test_fuzz import bodies, fuzz

CORPORA = sorted((ROOT / "tests/corpus").glob("dev*.jsonl"))


def folded(text: str) -> str:
    return tagging.lexicon().scan(text)[0]


def native_and_pure():
    return classify.classifier(), classify.read(native=False)


def test_the_native_scorer_is_built():
    assert classify.native(), "streams._classify was not built: is a C compiler installed?"


def texts() -> list[str]:
    corpus = [i["body"] for path in CORPORA for i in load(path)]
    seeds = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    return corpus + seeds + ["", " ", "a b c", "x" * 3000, " ".join(corpus[:12])]


def test_native_and_pure_give_the_same_floats():
    native, pure = native_and_pure()
    for text in texts():
        f = folded(text)
        assert native.probabilities(f) == pure.pure_probabilities(f)
        for window, min_chars in ((1000, 250), (300, 10), (40, 0), (1, 0)):
            assert native.judge(f, window, min_chars) == pure.pure_judge(f, window, min_chars)


@fuzz(200)
@given(bodies)
def test_native_and_pure_agree_on_fuzzed_text(body):
    native, pure = native_and_pure()
    f = folded(body)
    assert native.judge(f, 120, 0) == pure.pure_judge(f, 120, 0)


def test_the_probabilities_are_the_logistic_regression_of_the_model_file():
    model = classify.classifier()
    f = folded("Russian drones struck the port of Izmail overnight and air defence shot down 20 of them.")
    xs, scale = model.features(f)
    assert len(xs) >= 8
    for c, p in enumerate(model.probabilities(f)):
        margin = sum(x * model.weights[i][c] for i, x in xs) / scale + model.bias[c]
        assert p == pytest.approx(1 / (1 + math.exp(-margin)), abs=1e-12)


def test_a_text_too_short_to_judge_gets_no_opinion():
    model = classify.classifier()
    assert model.judge(folded("Missiles hit Kyiv."), classify.WINDOW_CHARS, classify.MIN_CHARS) is None
    assert model.judge(" " * 5000, classify.WINDOW_CHARS, classify.MIN_CHARS) is None


def test_a_long_text_gets_its_best_window():
    model = classify.classifier()
    strike = folded(load(CORPORA[0])[0]["body"])
    filler = folded("The central bank kept its key rate unchanged and said inflation was slowing. " * 30)
    alone = model.judge(strike, 10_000, 0)
    long = model.judge(filler + " " + strike, len(strike) + 1, 0)  # windows of about the strike's size
    whole = model.probabilities(filler + " " + strike)
    assert max(long) > max(whole)  # the filler dilutes the whole text, not its best window
    assert max(long) == pytest.approx(max(alone), abs=0.2)


@pytest.mark.parametrize("tokens, rows, bias, error", [
    (["kyiv", "kyiv"], [(1.0, 0.0), (1.0, 0.0)], [0.0], ValueError),  # a token twice
    (["k"], [(1.0, 0.0)], [0.0], ValueError),                          # one character: never a feature
    (["київ"], [(1.0, 0.0)], [0.0], ValueError),                       # not folded
    (["kyiv"], [(1.0,)], [0.0], ValueError),                           # no weight
    (["kyiv"], [], [0.0], ValueError),                                 # rows and tokens differ
    (["kyiv"], [(1.0, 0.0)], [], ValueError),                          # no class
])
def test_the_native_model_refuses_bad_tables(tokens, rows, bias, error):
    with pytest.raises(error):
        classify._NativeModel(tokens, rows, bias)


def toy(weights: dict[str, tuple[float, float, float]], bias=(-1.0, -1.0, -1.0), native: bool = True):
    """A model whose opinion a test can predict: its words and weights are given."""
    tokens = sorted(weights)
    rows = [(1.0, *weights[t]) for t in tokens]
    model = classify.Classifier("toy", classify.CLASSES, {t: i for i, t in enumerate(tokens)}, (1.0,) * len(tokens),
                                tuple(weights[t] for t in tokens), bias, 0.2, 0.7, None, None)
    scorer = classify._NativeModel(tokens, rows, bias)
    object.__setattr__(model, "probabilities", scorer.probabilities if native else model.pure_probabilities)
    object.__setattr__(model, "judge", scorer.judge if native else model.pure_judge)
    return model


def tags_with(model, body: str):
    lex = dataclasses.replace(tagging.lexicon(), classifier=model)
    return tagging.tag(normalise(RawArticle("t", body)), lex)


BODY = ("Officials in Odesa met on Monday to discuss the city budget for next year. The mayor said the "
        "schools would reopen after repairs. A corridor was agreed for the last families still in the "
        "village, and volunteers said the road was calm. The council will meet again next week to vote on "
        "the budget, and the mayor thanked the residents for their patience during the long winter.")


@pytest.mark.parametrize("native", [True, False])
def test_the_classifier_routes_what_the_rules_missed_with_its_strongest_sentence(native):
    assert not tags_with(None, BODY).categories  # the rules alone: nothing
    model = toy({"corridor": (0.0, 30.0, 0.0), "families": (0.0, 10.0, 0.0)}, native=native)
    tags = tags_with(model, BODY)
    [c] = tags.categories
    assert (c.category, c.rules, c.subtypes) == ("evacuations", ["classifier"], [])
    assert c.confidence == c.classifier_probability > 0.7
    [e] = c.evidence
    assert e.rule == "classifier" and e.cue == "corridor"
    assert e.sentence.startswith("A corridor was agreed") and BODY[e.start:e.end] == e.sentence
    assert BODY[e.cue_start:e.cue_end] == "corridor"
    assert tags.classifier_version == "toy"


def test_the_classifier_caps_a_category_it_doubts_and_keeps_the_rules_evidence():
    body = ("Russian missiles struck a power plant in Kharkiv overnight, the governor said. " + BODY)
    rules = tags_with(None, body).categories
    assert [c.category for c in rules] == ["strikes"] and rules[0].confidence >= 0.5
    doubt = toy({"odesa": (0.0, 0.0, 0.0)}, bias=(-5.0, -5.0, -5.0))  # every class near 0
    [c] = tags_with(doubt, body).categories
    assert c.classifier_probability <= 0.2
    assert c.confidence == c.classifier_probability  # below the routing threshold: not routed
    assert c.evidence == rules[0].evidence and c.rules == rules[0].rules
    sure = toy({"odesa": (0.0, 0.0, 0.0)}, bias=(0.0, -5.0, -5.0))  # strikes 0.5: kept as the rules said
    [c] = tags_with(sure, body).categories
    assert c.confidence == rules[0].confidence and c.classifier_probability == 0.5


def test_the_classifier_never_adds_a_second_entry_for_a_category_the_rules_fired():
    body = "Russian missiles struck a power plant in Kharkiv overnight, the governor said. " + BODY
    [weak] = tags_with(None, body).categories
    weak.confidence = 0.3  # fired, however weakly: the rules' entry stays the only one
    folded_body, scan = tagging._pass(tagging.lexicon(), body)
    sure = toy({"missiles": (30.0, 0.0, 0.0)})
    categories = tagging._second_opinion(sure, [weak], body, folded_body, scan.breaks)
    assert [c.category for c in categories] == ["strikes"] and categories[0].rules == weak.rules


def test_the_committed_model_never_saw_a_held_out_file():
    header = [line for line in classify.MODEL.read_text().splitlines() if line.startswith("# trained_on")]
    assert header and "dev.jsonl" in header[0] and "heldout" not in header[0]


def test_training_refuses_a_held_out_file(tmp_path):
    with pytest.raises(SystemExit, match="held-out"):
        classify.train([str(ROOT / "tests/corpus/heldout.jsonl")], out=tmp_path / "m.tsv")


def test_the_committed_model_is_what_training_on_its_corpora_gives(tmp_path):
    header = dict(line[2:].split("\t", 1) for line in classify.MODEL.read_text().splitlines() if line.startswith("# "))
    names = header["trained_on"].split(" (")[0].split()
    model = classify.train([str(ROOT / "tests/corpus" / n) for n in names], out=tmp_path / "m.tsv")
    committed = classify.classifier()
    assert model.index == committed.index and model.idf == committed.idf
    assert max(abs(a - b) for x, y in zip(model.weights, committed.weights) for a, b in zip(x, y)) < 1e-3
    assert max(abs(a - b) for a, b in zip(model.bias, committed.bias)) < 1e-3
