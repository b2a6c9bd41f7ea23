"""Outbox (record batches per partition) and the empty-fetch guard, against small fakes of aiokafka's
producer and fetcher. The integration suite runs both against the real brokers."""

import asyncio
import time

import pytest
from aiokafka.partitioner import DefaultPartitioner
from aiokafka.producer.message_accumulator import BatchBuilder

from streams.fetching import hold_empty_fetches
from streams.outbox import Outbox


class FakeCluster:
    def __init__(self, partitions):
        self.partitions = partitions

    def partitions_for_topic(self, topic):
        return set(range(self.partitions[topic])) if topic in self.partitions else None


class FakeProducer:
    """create_batch/send_batch as aiokafka has them; a batch is 'delivered' when send_batch returns."""

    def __init__(self, partitions, batch_size=16 * 1024, fail=False):
        self.client = type("Client", (), {"cluster": FakeCluster(partitions)})()
        self.batch_size = batch_size
        self.fail = fail
        self.batches = []  # (topic, partition, record count)

    def create_batch(self):
        return BatchBuilder(self.batch_size, 0)  # 0: no compression

    async def send_batch(self, batch, topic, *, partition):
        self.batches.append((topic, partition, batch.record_count()))
        future = asyncio.get_running_loop().create_future()
        if self.fail:
            future.set_exception(RuntimeError("broker said no"))
        else:
            future.set_result(None)
        return future

    async def partitions_for(self, topic):
        return self.client.cluster.partitions_for_topic(topic)


def test_keys_land_where_kafkas_default_partitioner_puts_them():
    producer = FakeProducer({"t": 4})
    out = Outbox(producer)
    keys = [f"article-{i}".encode() for i in range(200)]
    for key in keys:
        out.add("t", key, b"v")
    asyncio.run(out.flush())
    partitioner = DefaultPartitioner()
    want = {}
    for key in keys:
        p = partitioner(key, [0, 1, 2, 3], [0, 1, 2, 3])
        want[p] = want.get(p, 0) + 1
    assert {p: n for _, p, n in producer.batches} == want
    assert len(want) == 4  # the keys spread over every partition


def test_a_full_batch_continues_in_the_next_and_every_delivery_is_reported():
    producer = FakeProducer({"feeds.strikes": 1, "articles.normalised": 1}, batch_size=4096)
    delivered = []
    out = Outbox(producer, on_delivered=lambda topic, tags: delivered.append((topic, tags)))
    for i in range(10):
        out.add("feeds.strikes", b"k", b"x" * 1000, headers=[("published_ms", b"1")], tag=i)
    out.add("articles.normalised", b"k", b"y")
    assert len(out) == 11
    asyncio.run(out.flush())
    assert len(out) == 0
    strikes = [n for topic, _, n in producer.batches if topic == "feeds.strikes"]
    assert sum(strikes) == 10 and len(strikes) > 1  # ~4 KB batches cannot hold ten 1 KB records
    tags = [t for topic, ts in delivered if topic == "feeds.strikes" for t in ts]
    assert tags == list(range(10))  # order kept within a partition


def test_a_failed_delivery_fails_the_flush():
    out = Outbox(FakeProducer({"t": 2}, fail=True))
    out.add("t", b"k", b"v")
    with pytest.raises(RuntimeError, match="broker said no"):
        asyncio.run(out.flush())


def test_an_unknown_topic_is_an_error_not_a_guess():
    out = Outbox(FakeProducer({}))
    with pytest.raises(LookupError):
        out.add("nowhere", b"k", b"v")


def test_messages_without_a_key_are_spread_round_robin():
    producer = FakeProducer({"t": 3})
    out = Outbox(producer)
    for _ in range(6):
        out.add("t", None, b"v")
    asyncio.run(out.flush())
    assert sorted((p, n) for _, p, n in producer.batches) == [(0, 2), (1, 2), (2, 2)]


class FakeFetcher:
    def __init__(self, results, max_wait_ms):
        self.results = list(results)
        self._fetch_max_wait_ms = max_wait_ms

    async def _proc_fetch_request(self, assignment, node_id, request):
        return self.results.pop(0)


def test_an_empty_fetch_is_held_for_the_rest_of_the_wait_and_data_is_not():
    consumer = type("Consumer", (), {})()
    consumer._fetcher = FakeFetcher([False, True], max_wait_ms=50)
    hold_empty_fetches(consumer)

    async def timed():
        t0 = time.monotonic()
        empty = await consumer._fetcher._proc_fetch_request(None, 0, None)
        t1 = time.monotonic()
        data = await consumer._fetcher._proc_fetch_request(None, 0, None)
        return empty, t1 - t0, data, time.monotonic() - t1

    empty, held, data, passed = asyncio.run(timed())
    assert empty is False and held >= 0.045
    assert data is True and passed < 0.045


def test_a_held_fetch_cancelled_on_close_ends_quietly_as_aiokafkas_own_does():
    consumer = type("Consumer", (), {})()
    consumer._fetcher = FakeFetcher([False], max_wait_ms=5000)
    hold_empty_fetches(consumer)

    async def close_while_held():
        task = asyncio.ensure_future(consumer._fetcher._proc_fetch_request(None, 0, None))
        await asyncio.sleep(0.05)
        task.cancel()
        return await task  # what aiokafka's Fetcher.close() does with its pending requests

    assert asyncio.run(close_while_held()) is False
