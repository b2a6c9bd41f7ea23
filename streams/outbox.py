"""Send a batch of messages with aiokafka's record-batch API.

``producer.send()`` per message costs tens of µs in Python (a future, a callback,
an accumulator lookup, and in faust a sensor call and a wrapper future each).
An agent that handles events in batches already knows every message it will
send, so it builds one record batch per topic-partition and hands each over
whole: ``create_batch()`` / ``send_batch()``, a few µs per message.

Keys are placed as Kafka's default partitioner places them (murmur2 of the key,
as in the Java client and aiokafka), so a key lands on the same partition
whichever producer wrote it; messages without a key are spread round-robin.

Used by the worker's agents and by the benchmark's raw-aiokafka reference, so
both pay the same for producing.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Sequence
from typing import Any

from aiokafka.partitioner import murmur2

Headers = Sequence[tuple[str, bytes]]


class Outbox:
    """Messages for one batch, grouped by topic-partition, sent with ``flush()``.

    ``on_delivered(topic, count, tags)`` runs once per delivered record batch with
    the ``tag`` values given to ``add`` (for metrics that count deliveries).
    """

    def __init__(self, producer: Any, on_delivered: Callable[[str, list[Any]], None] | None = None) -> None:
        self._producer = producer  # a started aiokafka.AIOKafkaProducer
        self._on_delivered = on_delivered
        self._pending: dict[tuple[str, int], list[tuple[bytes | None, bytes, Headers, Any]]] = {}
        self._round_robin = itertools.count()
        self._hashes: dict[bytes, int] = {}  # one article's key goes to several feeds: hash it once

    def __len__(self) -> int:
        return sum(len(v) for v in self._pending.values())

    def add(self, topic: str, key: bytes | None, value: bytes, headers: Headers = (), tag: Any = None) -> None:
        partitions = self._partition_count(topic)
        if key is None:
            partition = next(self._round_robin) % partitions
        else:
            digest = self._hashes.get(key)
            if digest is None:
                digest = self._hashes[key] = murmur2(key) & 0x7FFFFFFF
            partition = digest % partitions
        self._pending.setdefault((topic, partition), []).append((key, value, headers, tag))

    async def flush(self) -> None:
        """Send everything added so far and wait until the broker has acknowledged it all."""
        pending, self._pending = self._pending, {}
        self._hashes.clear()
        deliveries = []
        for (topic, partition), messages in pending.items():
            start = 0
            while start < len(messages):
                batch = self._producer.create_batch()
                end = start
                for key, value, headers, _ in messages[start:]:
                    if batch.append(key=key, value=value, timestamp=None, headers=list(headers)) is None:
                        break  # batch full: the rest go into the next one
                    end += 1
                if end == start:  # cannot happen: an empty batch takes any record below max_request_size
                    raise ValueError(f"message too large for a record batch on {topic}")
                batch.close()  # complete: the sender sends it now instead of lingering for more
                deliveries.append((topic, messages[start:end], await self._producer.send_batch(
                    batch, topic, partition=partition)))
                start = end
        await asyncio.gather(*(future for _, _, future in deliveries))
        if self._on_delivered is not None:
            for topic, messages, _ in deliveries:
                self._on_delivered(topic, [tag for *_, tag in messages])

    def _partition_count(self, topic: str) -> int:
        partitions = self._producer.client.cluster.partitions_for_topic(topic)
        if not partitions:
            raise LookupError(f"no metadata for topic {topic!r}: call prepare() first")
        return len(partitions)

    async def prepare(self, topics: Sequence[str]) -> None:
        """Make sure the producer knows the partitions of ``topics`` (waits for metadata)."""
        for topic in topics:
            await self._producer.partitions_for(topic)
