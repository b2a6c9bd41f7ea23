"""``newswire tail TOPIC``: print a topic's messages, for subscribers and for tests.

It reads without joining a consumer group (it assigns itself every
partition), so it never takes partitions from the workers and never commits.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any, AsyncIterator, TextIO

from .codec import dumps, loads
from .fetching import hold_empty_fetches
from .settings import Settings


async def messages(
    topic: str, settings: Settings, *, from_beginning: bool = False, timeout: float | None = None
) -> AsyncIterator[Any]:
    """Yield aiokafka records of ``topic``; stop after ``timeout`` seconds without a new one."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    consumer = AIOKafkaConsumer(enable_auto_commit=False, **settings.kafka_client_options())
    await consumer.start()
    hold_empty_fetches(consumer)
    try:
        partitions = None
        for _ in range(50):  # the topic may be created a moment after we start
            partitions = consumer.partitions_for_topic(topic)
            if partitions:
                break
            await consumer._client.force_metadata_update()
            partitions = consumer.partitions_for_topic(topic)
            if partitions:
                break
            await asyncio.sleep(0.1)
        if not partitions:
            raise SystemExit(f"tail: topic {topic!r} does not exist")
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        if from_beginning:
            await consumer.seek_to_beginning(*tps)
        else:
            await consumer.seek_to_end(*tps)
        loop = asyncio.get_running_loop()
        last_seen = loop.time()
        while True:
            batch = await consumer.getmany(timeout_ms=200)
            for records in batch.values():
                for record in records:
                    yield record
            if batch:
                last_seen = loop.time()
            elif timeout is not None and loop.time() - last_seen >= timeout:
                return
    finally:
        await consumer.stop()


def render(record: Any, as_json: bool) -> str:
    try:
        value = loads(record.value) if record.value is not None else None
    except Exception:
        value = record.value.decode("utf-8", "replace")
    if as_json:
        return dumps(value).decode()
    key = record.key.decode("utf-8", "replace") if record.key else ""
    if isinstance(value, dict):
        feeds = ",".join(value.get("feeds", [])) or value.get("reason", "")
        title = (value.get("article") or value).get("title") or value.get("detail", "")
        return f"{record.partition}:{record.offset}\t{key}\t{feeds}\t{str(title)[:100]}"
    return f"{record.partition}:{record.offset}\t{key}\t{str(value)[:100]}"


async def tail(topic: str, settings: Settings, *, from_beginning: bool, timeout: float | None, as_json: bool,
               out: TextIO = sys.stdout) -> int:
    count = 0
    async for record in messages(topic, settings, from_beginning=from_beginning, timeout=timeout):
        out.write(render(record, as_json) + "\n")
        out.flush()
        count += 1
    return count
