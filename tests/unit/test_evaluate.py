from streams.evaluate import Counts, is_sealed, load, render, score
from tests.conftest import ROOT


def test_counts():
    c = Counts()
    c.add({"a", "b"}, {"b", "c"})
    assert (c.tp, c.fp, c.fn) == (1, 1, 1)
    assert c.precision == c.recall == c.f1 == 0.5


def test_score_counts_feeds_and_entities():
    items = [
        {"article_id": "x1", "body": "Russian missiles struck Kharkiv overnight, killing 3 people.",
         "expected": {"feeds": ["strikes"], "places": ["Kharkiv"], "figures": [{"kind": "killed", "value": 3}]}},
        {"article_id": "x2", "body": "The striker scored twice in Lviv.", "expected": {"feeds": []}},
        {"article_id": "x3", "body": "Farmers met to discuss grain.", "expected": {"feeds": ["diplomacy"]}},
    ]
    report = score(items)
    assert report.items == 3 and report.exact == 2
    assert (report.feeds["strikes"].tp, report.feeds["strikes"].fp) == (1, 0)
    assert report.feeds["diplomacy"].fn == 1
    assert report.entities["places"].tp == 1
    assert report.entities["figures"].tp == 1
    assert report.errors == [("x3", [], ["diplomacy"])]


def test_corpus_files_load_and_share_no_article():
    parts = {name: load(ROOT / f"tests/corpus/{name}.jsonl")
             for name in ("dev", "dev2", "dev3", "dev4", "dev5", "dev6", "dev7", "dev8", "heldout", "heldout2",
                          "heldout3")}
    assert len(parts["dev"]) + len(parts["heldout"]) >= 150
    ids = [i["article_id"] for items in parts.values() for i in items]
    assert len(ids) == len(set(ids))


def test_regions_count_under_their_base_name_and_launch_platforms_are_not_weapons():
    items = [{"article_id": "r1",
              "body": "Shelling hit the Dnipropetrovsk region and Kharkiv region; Tu-95 bombers fired Kh-101 missiles.",
              "expected": {"feeds": ["strikes"], "places": ["Dnipro", "Kharkiv"], "weapons": ["Kh-101"]}}]
    report = score(items)
    assert (report.entities["places"].tp, report.entities["places"].fp) == (2, 0)
    assert (report.entities["weapons"].tp, report.entities["weapons"].fp) == (1, 0)


def test_held_out_sets_show_only_aggregates():
    items = [{"article_id": "h1", "body": "Farmers met to discuss grain.", "expected": {"feeds": ["diplomacy"]}}]
    report = score(items, sealed=is_sealed("tests/corpus/heldout2.jsonl"))
    assert report.feeds["diplomacy"].fn == 1 and report.errors == []
    assert "h1" not in render(report, "heldout2") and report.as_dict()["misrouted"] == []
    assert not is_sealed("tests/corpus/dev4.jsonl")
