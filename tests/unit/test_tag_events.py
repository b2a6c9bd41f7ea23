"""Events, not mentions: negation, hypotheticals, habituals, masks and vetoes; evidence and confidence."""

from datetime import datetime, timezone

import pytest

from streams.normalise import normalise
from streams.records import RawArticle
from streams.route import route
from streams.tag import tag

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)


def article(body: str):
    return normalise(RawArticle("t", body), now=NOW)


def feeds(body: str) -> list[str]:
    return route(article(body), now=NOW).feeds


@pytest.mark.parametrize(
    "body",
    [
        # negation, before and after the cue
        "No evacuation was ordered in the city, officials said.",
        "The river rose overnight, but officials said no evacuation was needed.",
        "Officials said an evacuation was not necessary after the snowstorm.",
        "Staff did not need to be evacuated after the small fire was put out.",
        "Kherson reported no shelling for the first time in months on Tuesday.",
        # hypotheticals: the whole clause after the marker
        "Analysts say Russia could again strike power plants with Kh-101 cruise missiles and Shahed drones.",
        "If talks were to happen, both sides would have to give up a great deal.",
        "Officials fear a new offensive might force an evacuation of the town.",
        # habitual or background
        "The city has been shelled almost daily since 2022.",
        # masks and vetoes: the word is there, the event is not
        "Teachers in Lviv went on a labour strike over pay, the union said.",
        "The activist declared a hunger strike in protest against his detention.",
        "A lightning strike set a barn on fire near Poltava.",
        "The striker scored twice as Shakhtar beat Dynamo.",
        "The company strikes a deal with a Polish grain buyer.",
        "We cannot prevent the threat of strikes, one engineer said.",
        "The coach gave a diplomatic answer when asked about the referee.",
        "Schools in Kyiv held an evacuation drill on Monday.",
        "An air raid alert sounded across the country; no launches were recorded.",
        "Loud explosions were caused by a controlled detonation of old munitions, the army said.",
        "Rail unions announced a new strike day after pay negotiations broke down.",
        "A new documentary about the 2022 evacuation of Mariupol premiered at a film festival.",
    ],
)
def test_mentions_route_nowhere(body):
    assert feeds(body) == ["unrouted"], tag(article(body)).categories


@pytest.mark.parametrize(
    "body, expected",
    [
        ("The return of Ukrainian children was made possible by the mediation of the United Arab Emirates.", ["diplomacy"]),
        ("Ninety-five Ukrainian defenders returned home on Friday in an exchange of prisoners.", ["diplomacy"]),
        ("Ukrainian drones attacked a refinery in Russia's Samara region overnight.", ["strikes"]),
        ("Air defence units shot down 19 of 24 drones over Odesa.", ["strikes"]),
        ("37 residents of a damaged apartment block have been moved to temporary accommodation.", ["evacuations"]),
        ("The IAEA chief urged both sides to refrain from attacks near the Zaporizhzhia nuclear plant.", ["diplomacy"]),
        ("Ukraine's foreign ministry summoned the Hungarian ambassador to protest over his remarks.", ["diplomacy"]),
        ("Gladkov said 600 children would be relocated to camps in the Voronezh region.", ["evacuations"]),
    ],
)
def test_events(body, expected):
    assert feeds(body) == expected


def test_each_category_carries_evidence_rules_confidence_and_mappings():
    body = ("A Russian missile struck a school in Kharkiv, killing two people. "
            "Police evacuated 40 residents from nearby houses. "
            "Zelensky called on allies to send more air defence systems.")
    art = article(body)
    tags = tag(art)
    by_category = {c.category: c for c in tags.categories}
    assert set(by_category) == {"strikes", "evacuations", "diplomacy"}
    for c in tags.categories:
        assert 0.5 <= c.confidence <= 1
        assert c.rules and all(r.startswith(c.category + ".") for r in c.rules)
        assert [d.id for d in c.subtype_details] == c.subtypes
        for ev in c.evidence:
            assert art.body[ev.start:ev.end] == ev.sentence
            assert art.body[ev.cue_start:ev.cue_end] == ev.cue
            assert ev.start <= ev.cue_start < ev.cue_end <= ev.end
            assert ev.rule in c.rules and 0 < ev.weight <= 1
    strikes = by_category["strikes"]
    assert "missile_strike" in strikes.subtypes
    missile = next(d for d in strikes.subtype_details if d.id == "missile_strike")
    assert missile.acled.endswith("Shelling/artillery/missile attack")
    assert all(d.acled is None and d.cameo is None for d in by_category["evacuations"].subtype_details)


def test_confidence_grows_with_independent_rules():
    one = tag(article("Russian forces shelled the village."))
    two = tag(article("Russian forces shelled the village. A drone attack hit the school."))
    assert one.categories[0].confidence < two.categories[0].confidence


def test_evidence_is_capped_but_every_rule_shows_a_sentence():
    body = " ".join(f"Russian artillery shelled village number {i} on Monday." for i in range(12)) + \
        " A drone attack hit the school."
    strikes = tag(article(body)).categories[0]
    assert {"strikes.shelling", "strikes.air"} <= set(strikes.rules)
    assert {e.rule for e in strikes.evidence} == set(strikes.rules)
    assert len({e.start for e in strikes.evidence}) <= 6


def test_tag_is_pure():
    art = article("Russian missiles struck Kharkiv overnight, killing 3 people.")
    assert tag(art) == tag(art)
