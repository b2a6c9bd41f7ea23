"""replay → Kafka → worker (normalise, tag, route) → feeds, on a real broker."""

import asyncio
import json
import urllib.request
from collections import Counter

import orjson
import pytest
from aiokafka import AIOKafkaProducer

from streams import topics
from streams.schemas import validate
from tests.conftest import EXPECTED_SEED_FEEDS

from .conftest import newswire, read_until, seeds_jsonl, values

pytestmark = pytest.mark.integration


def test_seeds_reach_exactly_their_feeds_once(broker, settings, start_worker, tmp_path, run_id):
    worker = start_worker(settings)
    result = newswire("replay", str(seeds_jsonl(tmp_path, run_id)), "--broker", settings.broker)
    assert result.returncode == 0, result.stderr
    assert "sent 4, failed 0" in result.stderr

    mine = lambda key: key.endswith(run_id)  # noqa: E731
    for feed in ("strikes", "evacuations", "diplomacy"):
        want = sorted(f"{stem}-{run_id}" for stem, feeds in EXPECTED_SEED_FEEDS.items() if feed in feeds)
        records = read_until(settings, topics.FEED_TOPICS[feed].name, lambda r: len(r) >= len(want), key_filter=mine)
        keys = [r.key.decode() for r in records]
        assert sorted(keys) == want, (feed, keys, worker.log_tail())
        assert max(Counter(keys).values()) == 1  # each exactly once
        for message in values(records):
            validate("feed_message", message)
            assert feed in message["feeds"]
            assert message["tags"]["categories"]
    unrouted = read_until(settings, topics.UNROUTED.name, lambda r: False, timeout=3, key_filter=mine)
    assert unrouted == []

    with urllib.request.urlopen(worker.url + "/metrics", timeout=5) as response:
        text = response.read().decode()
    assert 'newswire_articles_consumed_total{stage="normalise"}' in text
    assert "newswire_end_to_end_seconds_bucket" in text


def test_bad_messages_go_to_dead_letter_and_the_worker_keeps_going(broker, settings, start_worker, run_id):
    worker = start_worker(settings)
    good = orjson.dumps({"schema_version": 1, "article_id": f"good-{run_id}",
                         "body": "Russian missiles struck Kharkiv overnight, the governor said."})
    bad = {
        f"json-{run_id}": (b"{not json", "invalid_json"),
        f"utf8-{run_id}": (b'{"schema_version": 1, "article_id": "x", "body": "caf\xe9"}', "invalid_utf8"),
        f"empty-{run_id}": (orjson.dumps({"schema_version": 1, "article_id": "e", "body": ""}), "empty_body"),
        f"type-{run_id}": (orjson.dumps({"schema_version": 1, "article_id": 5, "body": "x"}), "schema_violation"),
        f"version-{run_id}": (orjson.dumps({"schema_version": 99, "article_id": "v", "body": "x"}),
                              "unsupported_schema_version"),
        f"big-{run_id}": (orjson.dumps({"schema_version": 1, "article_id": "b", "body": "x" * 1_200_000}), "oversized"),
        f"array-{run_id}": (b"[1,2,3]", "not_an_object"),
    }

    async def produce():
        p = AIOKafkaProducer(bootstrap_servers=settings.broker, max_request_size=topics.MAX_MESSAGE_BYTES)
        await p.start()
        try:
            for key, (value, _) in bad.items():
                await p.send_and_wait(topics.RAW.name, key=key.encode(), value=value)
            await p.send_and_wait(topics.RAW.name, key=f"good-{run_id}".encode(), value=good)
        finally:
            await p.stop()

    asyncio.run(produce())
    mine = lambda key: key.endswith(run_id)  # noqa: E731
    letters = read_until(settings, topics.DEAD_LETTER.name, lambda r: len(r) >= len(bad), key_filter=mine)
    got = {r.key.decode(): loads_letter(r) for r in letters}
    assert {k: v["reason"] for k, v in got.items()} == {k: reason for k, (_, reason) in bad.items()}, worker.log_tail()
    for key, letter in got.items():
        validate("dead_letter", letter)
        assert letter["topic"] == topics.RAW.name and letter["offset"] >= 0
        if not letter["truncated"] and letter["payload_encoding"] == "utf-8":
            assert letter["payload"].encode() == bad[key][0]
    routed = read_until(settings, topics.STRIKES.name, lambda r: len(r) >= 1, key_filter=lambda k: k == f"good-{run_id}")
    assert len(routed) == 1  # the worker survived the garbage
    assert worker.process.poll() is None

    with urllib.request.urlopen(worker.url + "/metrics", timeout=5) as response:
        text = response.read().decode()
    assert 'newswire_articles_dead_lettered_total{reason="oversized",stage="normalise"} 1.0' in text


def loads_letter(record):
    return orjson.loads(record.value)


def test_tail_prints_json_lines(broker, settings, start_worker, tmp_path, run_id):
    start_worker(settings)
    assert newswire("replay", str(seeds_jsonl(tmp_path, run_id)), "--broker", settings.broker).returncode == 0
    read_until(settings, topics.DIPLOMACY.name, lambda r: len(r) >= 3, key_filter=lambda k: k.endswith(run_id))
    result = newswire("tail", topics.DIPLOMACY.name, "--broker", settings.broker, "--from-beginning",
                      "--timeout", "3", "--json")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert sorted(m["article_id"] for m in lines if m["article_id"].endswith(run_id)) == sorted(
        f"{s}-{run_id}" for s, f in EXPECTED_SEED_FEEDS.items() if "diplomacy" in f)


def test_replay_refuses_invalid_articles_and_says_so(broker, settings, tmp_path, run_id):
    path = tmp_path / "mixed.jsonl"
    path.write_text(json.dumps({"article_id": f"ok-{run_id}", "body": "text"}) + "\n"
                    + json.dumps({"article_id": f"bad-{run_id}", "body": ""}) + "\n{broken\n", encoding="utf-8")
    result = newswire("replay", str(path), "--broker", settings.broker)
    assert result.returncode == 1
    assert "sent 1, failed 0, invalid 2" in result.stderr
    assert f"bad-{run_id}" in result.stderr


def test_replay_repeat_gives_distinct_ids(broker, settings, tmp_path, run_id):
    result = newswire("replay", str(seeds_jsonl(tmp_path, run_id)), "--broker", settings.broker, "--repeat", "3",
                      "--rate", "100")
    assert result.returncode == 0 and "sent 12," in result.stderr, result.stderr
    records = read_until(settings, topics.RAW.name, lambda r: len(r) >= 12, key_filter=lambda k: run_id in k)
    assert len({r.key for r in records}) == 12
