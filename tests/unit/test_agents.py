"""The faust agents under faust's test_context: no broker, sends captured."""

import asyncio
from unittest.mock import AsyncMock, patch

import orjson
import pytest

from streams import metrics
from streams.app import create_app
from streams.schemas import validate
from streams.settings import Settings
from tests.conftest import EXPECTED_SEED_FEEDS, acknowledged as _acknowledged, settled


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    app = create_app(Settings.from_env({}, broker="127.0.0.1:1", data_dir=tmp_path_factory.mktemp("faust")))
    app.finalize()
    app.conf.store = "memory://"
    app.flow_control.resume()
    return app


def agent(app, name):
    return next(a for a in app.agents.values() if a.name.endswith(name))


def sent(mock):
    return [(c.kwargs["key"], orjson.loads(c.kwargs["value"])) for c in mock.await_args_list]


async def drive(app, name, values, topic_names):
    topics = app.newswire_topics
    mocks = {n: AsyncMock(side_effect=_acknowledged) for n in topic_names}
    objects = {"normalised": topics.normalised, "dead_letter": topics.dead_letter, **topics.feeds}
    with _patched(objects, mocks):
        async with agent(app, name).test_context() as a:
            for key, value in values:
                await a.put(value, key=key)
            await settled(mocks.values(), len(values))  # every event sends at least once
    return mocks


class _patched:
    def __init__(self, objects, mocks):
        self.patches = [patch.object(objects[n], "send", mocks[n]) for n in mocks]

    def __enter__(self):
        for p in self.patches:
            p.start()

    def __exit__(self, *exc):
        for p in self.patches:
            p.stop()


def test_normalise_agent_sends_valid_articles_and_dead_letters_the_rest(app, seed_texts):
    good = [(stem.encode(), orjson.dumps({"schema_version": 1, "article_id": stem, "body": text}))
            for stem, text in seed_texts.items()]
    bad = [(b"b1", b"{oops"), (b"b2", b'{"schema_version": 1, "article_id": "b2", "body": ""}'),
           (None, b"\xff\xfe\x00garbage")]
    before = metrics.DEAD_LETTERED.labels("normalise", "invalid_json")._value.get()
    mocks = asyncio.run(drive(app, "normalise", good[:2] + bad + good[2:], ["normalised", "dead_letter"]))

    out = sent(mocks["normalised"])
    assert [k for k, _ in out] == [stem.encode() for stem in seed_texts]  # order kept, keyed by article_id
    for _, article in out:
        validate("normalised_article", article)

    letters = sent(mocks["dead_letter"])
    assert [(k, d["reason"]) for k, d in letters] == [(b"b1", "invalid_json"), (b"b2", "empty_body"),
                                                       (None, "invalid_utf8")]
    for _, d in letters:
        validate("dead_letter", d)
        assert d["stage"] == "normalise" and d["topic"]
    assert metrics.DEAD_LETTERED.labels("normalise", "invalid_json")._value.get() == before + 1


def test_route_agent_writes_each_feed_once(app, seed_texts):
    from streams.normalise import normalise
    from streams.records import RawArticle

    values = [(stem.encode(), orjson.dumps(normalise(RawArticle(stem, text)).to_json()))
              for stem, text in seed_texts.items()]
    values.append((b"broken", b'{"article_id": "broken"}'))  # not a normalised article: a bug upstream
    mocks = asyncio.run(drive(app, "route", values, ["strikes", "evacuations", "diplomacy", "unrouted", "dead_letter"]))

    for feed in ("strikes", "evacuations", "diplomacy", "unrouted"):
        got = sorted(k.decode() for k, _ in sent(mocks[feed]))
        want = sorted(stem for stem, feeds in EXPECTED_SEED_FEEDS.items() if feed in feeds)
        assert got == want, feed
    for _, message in sent(mocks["strikes"]):
        validate("feed_message", message)
    letters = sent(mocks["dead_letter"])
    assert [(d["stage"], d["reason"]) for _, d in letters] == [("route", "processing_error")]
