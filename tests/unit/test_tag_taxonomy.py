"""The taxonomy file (streams/data/taxonomy.toml) and the rules that point into it."""

import tomllib

from streams import route as routing
from streams.tag import DATA, lexicon, taxonomy

ISSUE_SUBTYPES = {
    "strikes": {"air_drone_strike", "missile_strike", "shelling_artillery", "bombing_glide_bombs",
                "naval_drone_attack", "attack_intercepted"},
    "evacuations": {"ordered_evacuation", "civilians_fleeing_displaced", "refugee_arrivals", "humanitarian_corridor",
                    "relocation_vulnerable"},
    "diplomacy": {"talks_negotiations", "ceasefire_proposal_pledge", "summit_leaders_meeting", "envoy_mediation",
                  "prisoner_exchange", "diplomatic_protest", "multilateral_body"},
}


def test_taxonomy_has_a_version_and_every_feed_of_the_routing_table():
    version, subtypes, feeds = taxonomy()
    assert version
    table = routing.table()
    assert set(feeds) == {r.category for r in table.routes}
    assert {s.feed for s in subtypes.values()} == set(feeds)


def test_the_issue_s_subtypes_exist_under_their_feed():
    _, subtypes, _ = taxonomy()
    for feed, wanted in ISSUE_SUBTYPES.items():
        assert wanted <= {s.id for s in subtypes.values() if s.feed == feed}, feed


def test_every_subtype_maps_to_exactly_one_feed_and_has_a_label():
    cfg = tomllib.loads((DATA / "taxonomy.toml").read_text(encoding="utf-8"))
    seen = {}
    for feed, spec in cfg["feed"].items():
        for s in spec["subtype"]:
            assert s["id"] not in seen, f"{s['id']} is in {seen.get(s['id'])} and {feed}"
            seen[s["id"]] = feed
            assert s["label"]


def test_every_rule_s_subtype_exists_in_its_category():
    _, subtypes, _ = taxonomy()
    cfg = tomllib.loads((DATA / "tagging.toml").read_text(encoding="utf-8"))
    for rule in cfg["rule"]:
        assert rule["subtype"] in subtypes, rule["id"]
        assert subtypes[rule["subtype"]].feed == rule["category"], rule["id"]
        assert rule["id"].startswith(rule["category"] + ".")
    assert len({r["id"] for r in cfg["rule"]}) == len(cfg["rule"]), "rule ids are unique"


def test_every_subtype_has_a_rule():
    _, subtypes, _ = taxonomy()
    assert {r.subtype for r in lexicon().rules} == set(subtypes)


def test_mappings_are_there_where_they_exist_and_evacuations_say_they_have_none():
    _, subtypes, _ = taxonomy()
    for s in subtypes.values():
        if s.feed == "evacuations":
            assert s.acled is None and s.cameo is None and "newswire" in s.note
        elif s.feed == "strikes":
            assert s.acled, s.id  # every strike subtype has an ACLED class (interceptions: disrupted weapons use)
        if s.cameo:
            assert s.cameo.isdigit() and 2 <= len(s.cameo) <= 4, s.id
    assert subtypes["shelling_artillery"].cameo == "194"
    assert subtypes["prisoner_exchange"].cameo == "0841"
    text = (DATA / "taxonomy.toml").read_text(encoding="utf-8")
    assert "neither ACLED nor CAMEO has an evacuation" in text


def test_a_rule_naming_an_unknown_subtype_is_refused(tmp_path, monkeypatch):
    import pytest

    from streams import tag as tagging

    bad = (DATA / "tagging.toml").read_text(encoding="utf-8").replace(
        'subtype = "missile_strike"', 'subtype = "no_such_subtype"', 1)
    (tmp_path / "tagging.toml").write_text(bad, encoding="utf-8")
    for name in ("taxonomy.toml", "actors.tsv", "weapons.tsv"):
        (tmp_path / name).write_text((DATA / name).read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(tagging, "DATA", tmp_path)
    tagging.lexicon.cache_clear()
    try:
        with pytest.raises(ValueError, match="no_such_subtype"):
            tagging.lexicon()
    finally:
        monkeypatch.undo()
        tagging.lexicon.cache_clear()
