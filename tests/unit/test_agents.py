"""The faust agent under faust's test_context: no broker, what it sends is recorded."""

import asyncio

import orjson
import pytest

from streams import metrics
from streams.schemas import validate
from tests.conftest import EXPECTED_SEED_FEEDS, RecordingOutbox, drive, pipeline_agent


@pytest.fixture
def outbox():
    return RecordingOutbox()


@pytest.fixture
def agent(tmp_path, outbox):
    return pipeline_agent(tmp_path, outbox)


def article(stem, text):
    return stem.encode(), orjson.dumps({"schema_version": 1, "article_id": stem, "body": text})


def test_valid_articles_are_normalised_and_routed_and_the_rest_dead_lettered(agent, outbox, seed_texts):
    good = [article(stem, text) for stem, text in seed_texts.items()]
    bad = [(b"b1", b"{oops"), (b"b2", b'{"schema_version": 1, "article_id": "b2", "body": ""}'),
           (None, b"\xff\xfe\x00garbage")]
    before = metrics.DEAD_LETTERED.labels("normalise", "invalid_json")._value.get()
    asyncio.run(drive(agent, good[:2] + bad + good[2:], outbox))

    normalised = outbox.values("articles.normalised")
    assert [k for k, _ in normalised] == [stem.encode() for stem in seed_texts]  # order kept, keyed by article_id
    for _, a in normalised:
        validate("normalised_article", a)

    for feed in ("strikes", "evacuations", "diplomacy", "unrouted"):
        got = [k.decode() for k, _ in outbox.values(f"feeds.{feed}")]
        want = [stem for stem, feeds in EXPECTED_SEED_FEEDS.items() if feed in feeds]
        assert got == want, feed
        for _, message in outbox.values(f"feeds.{feed}"):
            validate("feed_message", message)

    letters = outbox.values("articles.dead-letter")
    assert [(k, d["reason"]) for k, d in letters] == [(b"b1", "invalid_json"), (b"b2", "empty_body"),
                                                       (None, "invalid_utf8")]
    for _, d in letters:
        validate("dead_letter", d)
        assert d["stage"] == "normalise" and d["topic"]
    assert metrics.DEAD_LETTERED.labels("normalise", "invalid_json")._value.get() == before + 1


def test_a_route_failure_is_dead_lettered_at_the_route_stage_and_the_stream_goes_on(agent, outbox, seed_texts,
                                                                                      monkeypatch):
    import streams.app

    real_route = streams.app.route

    def route(a):
        if a.article_id == "poison":
            raise RuntimeError("a bug in tagging")
        return real_route(a)

    monkeypatch.setattr(streams.app, "route", route)
    stem, text = next(iter(seed_texts.items()))
    values = [article("poison", text), article(stem, text)]
    asyncio.run(drive(agent, values, outbox))

    assert [k for k, _ in outbox.values("articles.normalised")] == [b"poison", stem.encode()]
    letters = outbox.values("articles.dead-letter")
    assert [(d["stage"], d["reason"], d["article_id"]) for _, d in letters] == [("route", "processing_error",
                                                                                 "poison")]
    validate("dead_letter", letters[0][1])
    assert [k for k, _ in outbox.values("feeds.strikes")] == [stem.encode()]  # the next article still routed
