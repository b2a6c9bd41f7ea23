"""Every topic newswire reads or writes, declared once.

Messages on every topic are JSON (UTF-8) keyed by ``article_id``; the schema
column names the file in ``schemas/`` that subscribers code against.
``ensure_topics`` creates them explicitly at start-up (worker and replayer),
so nothing depends on a broker's auto-creation.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from .settings import Settings

log = logging.getLogger(__name__)

#: Header the replayer sets on each raw message (epoch milliseconds of the send);
#: the agents forward it so the end-to-end latency can be measured at the feed write.
PUBLISHED_HEADER = "newswire-published-ms"

#: Broker-side limit for newswire topics: room for a 1 MiB article plus its tags.
MAX_MESSAGE_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class TopicSpec:
    name: str
    schema: str
    role: str


RAW = TopicSpec("articles.raw", "raw_article", "replayer → normalise")
NORMALISED = TopicSpec("articles.normalised", "normalised_article", "normalise → tag/route")
STRIKES = TopicSpec("feeds.strikes", "feed_message", "feed: attacks by missiles, drones, aircraft, artillery, bombs")
EVACUATIONS = TopicSpec("feeds.evacuations", "feed_message", "feed: evacuations, civilians fleeing, refugees, corridors")
DIPLOMACY = TopicSpec("feeds.diplomacy", "feed_message", "feed: talks, ceasefires, summits, envoys, exchanges")
UNROUTED = TopicSpec("feeds.unrouted", "feed_message", "feed: articles that matched no feed")
DEAD_LETTER = TopicSpec("articles.dead-letter", "dead_letter", "messages that failed, with the reason")

ALL = (RAW, NORMALISED, STRIKES, EVACUATIONS, DIPLOMACY, UNROUTED, DEAD_LETTER)

#: feed name (as in FeedMessage.feeds and the routing table) → topic
FEED_TOPICS: dict[str, TopicSpec] = {
    "strikes": STRIKES,
    "evacuations": EVACUATIONS,
    "diplomacy": DIPLOMACY,
    "unrouted": UNROUTED,
}


def by_name(name: str) -> TopicSpec:
    for spec in ALL:
        if spec.name == name:
            return spec
    raise KeyError(name)


async def ensure_topics(settings: Settings, specs: tuple[TopicSpec, ...] = ALL, timeout: float = 30.0) -> list[str]:
    """Create the topics that do not exist yet; return the names created."""
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic
    from aiokafka.errors import KafkaConnectionError, TopicAlreadyExistsError

    admin = AIOKafkaAdminClient(request_timeout_ms=int(timeout * 1000), **settings.kafka_client_options())
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            await admin.start()
            break
        except KafkaConnectionError:
            if asyncio.get_running_loop().time() > deadline:
                raise KafkaConnectionError(f"no broker answered at {settings.broker} within {timeout:.0f}s") from None
            await asyncio.sleep(0.5)
    try:
        existing = set(await admin.list_topics())
        wanted = [s for s in specs if s.name not in existing]
        if not wanted:
            return []
        new = [
            NewTopic(
                s.name,
                num_partitions=settings.partitions,
                replication_factor=settings.replication_factor,
                topic_configs={"max.message.bytes": str(MAX_MESSAGE_BYTES)},
            )
            for s in wanted
        ]
        response = await admin.create_topics(new)
        created = []
        for name, code, *_ in getattr(response, "topic_errors", []):
            if code == 0:
                created.append(name)
            elif code != TopicAlreadyExistsError.errno:
                raise RuntimeError(f"could not create topic {name}: error code {code}")
        log.info("created topics %s", created)
        return created
    finally:
        await admin.close()
