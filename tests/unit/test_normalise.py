import hashlib
from datetime import datetime, timezone

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streams.normalise import _LANG_STOPWORDS, Rejected, canonical_places, detect_language, normalise, parse
from streams.records import RawArticle
from streams.schemas import validate

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)


def norm(body, **kw):
    return normalise(RawArticle(article_id="a1", body=body, **kw), now=NOW)


def raw_bytes(**fields):
    return orjson.dumps({"schema_version": 1, "article_id": "a1", "body": "Text.", **fields})


# ---- parse: every rejection carries a reason code

@pytest.mark.parametrize(
    "value, reason",
    [
        (b"{not json", "invalid_json"),
        (b"", "invalid_json"),
        (b'{"schema_version": 1, "article_id": "a", "body": "caf\xe9"}', "invalid_utf8"),
        (b"[1, 2]", "not_an_object"),
        (b'"just a string"', "not_an_object"),
        (raw_bytes(schema_version=2), "unsupported_schema_version"),
        (orjson.dumps({"schema_version": 1, "body": "x"}), "schema_violation"),
        (orjson.dumps({"schema_version": 1, "article_id": 7, "body": "x"}), "schema_violation"),
        (orjson.dumps({"schema_version": 1, "article_id": "a", "body": ["x"]}), "schema_violation"),
        (raw_bytes(body=""), "empty_body"),
        (raw_bytes(body=" \n\t "), "empty_body"),
        (raw_bytes(published_at="yesterday"), "schema_violation"),
        (b"x" * 2000, "oversized"),
        (None, "invalid_json"),
    ],
)
def test_parse_rejects_with_reason(value, reason):
    with pytest.raises(Rejected) as info:
        parse(value, max_bytes=1000)
    assert info.value.reason == reason
    assert info.value.detail  # a human-readable explanation


def test_parse_names_the_failing_field():
    with pytest.raises(Rejected) as info:
        parse(orjson.dumps({"schema_version": 1, "article_id": "a", "body": "x", "title": 5}), 10_000)
    assert "title" in info.value.detail
    assert info.value.article_id == "a"


def test_parse_accepts_a_valid_article_and_a_bom():
    raw = parse(b"\xef\xbb\xbf" + raw_bytes(title="T", published_at="2024-03-01T10:00:00Z", language="en"), 10_000)
    assert raw == RawArticle("a1", "Text.", title="T", published_at="2024-03-01T10:00:00Z", language="en")


def test_schema_version_is_required():
    with pytest.raises(Rejected) as info:
        parse(orjson.dumps({"article_id": "a", "body": "x"}), 1000)
    assert info.value.reason == "schema_violation"
    assert "schema_version" in info.value.detail


# ---- normalise

def test_output_matches_the_published_schema(seed_texts):
    for stem, text in seed_texts.items():
        article = normalise(RawArticle(stem, text), now=NOW)
        validate("normalised_article", orjson.loads(orjson.dumps(article.to_json())))


def test_unicode_is_repaired_and_nfc():
    article = norm("The mayorâ€™s office said cafe\u0301 owners left. More text follows here.")
    assert "mayor’s" in article.body
    assert "caf\u00e9" in article.body  # composed


def test_whitespace_and_control_characters_are_folded():
    article = norm("First   line\u00a0here.\x00\r\n\r\n\n  Second\tline.  ")
    assert article.body == "First line here.\n\nSecond line."


def test_boilerplate_is_kept_out_of_the_body_but_recorded(seed_texts):
    article = normalise(RawArticle("003", seed_texts["003_ef4bcab6f89b65ad"]), now=NOW)
    removed = {b.text: b.kind for b in article.boilerplate}
    assert removed["Guardar"] == "ui"
    assert removed["Keep reading:"] == "ui"
    assert removed["(With information from Reuters and AFP)"] == "attribution"
    assert any(kind == "credit" and "REUTERS/Pavlo Palamarchuk" in text for text, kind in removed.items())
    assert "Guardar" not in article.body and "REUTERS/" not in article.body and "EFE/" not in article.body
    assert "Pentagon spokesman John Kirby" in article.body  # real text stays


def test_headline_becomes_the_title_only_when_it_looks_like_one(seed_texts):
    a3 = normalise(RawArticle("003", seed_texts["003_ef4bcab6f89b65ad"]), now=NOW)
    assert a3.title_source == "headline"
    assert a3.title.startswith("Despite the promise of de-escalation")
    a0 = normalise(RawArticle("000", seed_texts["000_a637099d9b3b2544"]), now=NOW)
    assert a0.title_source == "first_sentence"  # its first line is a paragraph
    assert a0.body.startswith("Vladimir Putin’s army")
    assert len(a0.title) <= 121


def test_provided_title_wins():
    assert norm("Body text here.", title="  A  title ").title == "A title"


@pytest.mark.parametrize(
    "variant, canonical",
    [("Kiev", "Kyiv"), ("Kharkov", "Kharkiv"), ("Izyum", "Izium"), ("Lugansk", "Luhansk"),
     ("Chernigov", "Chernihiv"), ("Kupyansk", "Kupiansk"), ("Odessa", "Odesa"), ("Donbass", "Donbas")],
)
def test_place_variants_are_rewritten(variant, canonical):
    text, counts = canonical_places(f"Shelling hit {variant} and {variant}'s outskirts.")
    assert text == f"Shelling hit {canonical} and {canonical}'s outskirts."
    assert counts == {variant: (canonical, 2)}


def test_rewrite_respects_word_boundaries_and_region_names():
    assert canonical_places("Kievan Rus")[0] == "Kievan Rus"
    assert canonical_places("in Dnipropetrovsk region")[0] == "in Dnipropetrovsk region"
    assert canonical_places("in Dnipropetrovsk today")[0] == "in Dnipro today"
    assert canonical_places("the Dnipropetrovsk River")[0] == "the Dnipro River"


def test_spellings_are_recorded():
    article = norm("Troops left Kiev. Kiev was quiet. Kharkov was shelled.")
    assert {(s.from_, s.to, s.count) for s in article.spellings} == {("Kiev", "Kyiv", 2), ("Kharkov", "Kharkiv", 1)}


def test_content_hash_is_stable_and_ignores_the_id():
    a = normalise(RawArticle("x", "Same text here."), now=NOW)
    b = normalise(RawArticle("y", "Same  text here. "), now=NOW)
    assert a.content_hash == b.content_hash
    expected = hashlib.sha256(f"{a.title}\n\n{a.body}".encode()).hexdigest()
    assert a.content_hash == "sha256:" + expected


def test_word_count_and_language():
    article = norm("The army said that the city was shelled and the people left for the west.")
    assert article.word_count == 15
    assert article.language == "en"
    assert norm("x", language="uk").language == "uk"


@pytest.mark.parametrize(
    "text, lang",
    [
        ("El ejército dijo que la ciudad de Járkov fue atacada por los misiles y las fuerzas", "es"),
        ("Die Armee sagte, dass die Stadt von der Artillerie und den Raketen getroffen wurde und nicht", "de"),
        ("Російські війська обстріляли місто, і жителі їхали на захід", "uk"),
        ("Российские войска обстреляли город, жители уехали на запад", "ru"),
        ("12 34 56", "und"),
    ],
)
def test_detect_language(text, lang):
    import re

    assert detect_language(re.findall(r"\w+", text)) == lang


def _vote_per_language(words: list[str]) -> str:
    """detect_language's definition, written the slow way (one pass per language): the oracle below."""
    sample = words[:400]
    if not sample:
        return "und"
    if sum(1 for w in sample if "\u0400" <= w[0] <= "\u04ff") > len(sample) / 2:
        return "uk" if any(c in "".join(sample) for c in "іїєґІЇЄҐ") else "ru"
    scores = {lang: sum(1 for w in sample if w.lower() in stop) for lang, stop in _LANG_STOPWORDS.items()}
    ranked = sorted(scores.values(), reverse=True)
    return max(scores, key=scores.__getitem__) if ranked[0] >= 3 and ranked[0] >= 1.5 * ranked[1] else "und"


_VOCABULARY = sorted(set().union(*_LANG_STOPWORDS.values())) + ["Kyiv", "THE", "Die", "місто", "город", "ї", "x"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_VOCABULARY), max_size=450))
def test_detect_language_is_the_per_language_vote(words):
    assert detect_language(words) == _vote_per_language(words)


def test_normalise_is_pure():
    raw = RawArticle("a", "Kiev was shelled.\n\nGuardar\n\nPeople fled.")
    assert normalise(raw, now=NOW) == normalise(raw, now=NOW)
