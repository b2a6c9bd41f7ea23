"""The faust app: a thin agent around the pure stages.

    articles.raw ──normalise──┬──▶ articles.normalised
                              └──tag+route──▶ feeds.<feed> (one or more)
         failures at either stage ──▶ articles.dead-letter

Run it with ``newswire worker --broker HOST:PORT``; scale out by starting more
workers with the same ``NEWSWIRE_APP_ID`` (they share the consumer group and
split the partitions). All values are raw bytes on the wire: the agents decode
JSON themselves, so a message faust could not decode never kills an agent; it
becomes a dead letter.

Delivery: at-least-once. faust commits an input offset only after the agent has
finished the event and the broker has acknowledged what it produced, so a crash
replays uncommitted messages rather than losing them; every output is keyed by
``article_id`` for subscribers to de-duplicate.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import faust
from aiohttp import web as aioweb
from faust.sensors.prometheus import FaustMetrics, PrometheusMonitor
from faust.transport.drivers import aiokafka as aiokafka_driver
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from . import metrics, topics
from .codec import dumps
from .deadletter import dead_letter
from .fetching import hold_empty_fetches
from .normalise import Rejected, normalise, parse
from .outbox import Outbox
from .records import Article, RawArticle
from .route import route
from .settings import Settings
from .tag import lexicon, scanner_kind

log = logging.getLogger(__name__)

FETCH_MAX_WAIT_MS = 10  # faust hard-codes 1500 ms: on a broker that holds fetches, that is the latency floor
BATCH_MAX = 500  # events per batch: amortises awaits and flushes, small enough to keep latency low
BATCH_WINDOW = 0.01  # seconds to wait for a batch to fill


class _ConsumerThread(aiokafka_driver.AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        consumer._fetch_max_wait_ms = FETCH_MAX_WAIT_MS  # read by the fetcher when the consumer starts
        return consumer

    async def on_start(self) -> None:
        await super().on_start()
        hold_empty_fetches(self._consumer)


class _Consumer(aiokafka_driver.Consumer):
    def _new_consumer_thread(self) -> Any:
        return _ConsumerThread(self, loop=self.loop, beacon=self.beacon)


class _Transport(aiokafka_driver.Transport):
    Consumer = _Consumer


class App(faust.App):
    """faust.App whose Kafka consumer waits at most FETCH_MAX_WAIT_MS for a fetch to fill."""

    def _new_transport(self) -> Any:
        return _Transport(self.conf.broker_consumer, self)


class _Monitor(PrometheusMonitor):
    """faust's Prometheus sensor without its per-message hooks.

    Those hooks update five labelled series for every event and every send, about
    a tenth of the worker's CPU in a profile; newswire counts events per stage
    itself (``newswire_articles_consumed_total``). Commits, rebalances,
    assignments, send errors and web requests are still recorded."""

    def on_message_in(self, tp: Any, offset: int, message: Any) -> None:
        pass

    def on_stream_event_in(self, tp: Any, offset: int, stream: Any, event: Any) -> None:
        return None

    def on_stream_event_out(self, tp: Any, offset: int, stream: Any, event: Any, state: Any = None) -> None:
        pass

    def on_message_out(self, tp: Any, offset: int, message: Any) -> None:
        pass

    def on_send_initiated(self, producer: Any, topic: str, message: Any, keysize: int, valsize: int) -> None:
        return None

    def on_send_completed(self, producer: Any, state: Any, metadata: Any) -> None:
        pass


@functools.cache
def _faust_metrics() -> FaustMetrics:
    return FaustMetrics.create(metrics.REGISTRY, "newswire_faust")  # registers once per process


#: builds the Outbox an agent sends its batches through; tests pass one that records instead
OutboxFactory = Callable[[faust.App], Awaitable[Outbox]]


async def producer_outbox(app: faust.App) -> Outbox:
    """An Outbox on the app's own aiokafka producer (faust has no public accessor for it)."""
    outbox = Outbox(app.producer._ensure_producer(), on_delivered=_count_delivered)
    await outbox.prepare([spec.name for spec in topics.ALL])
    return outbox


def create_app(settings: Settings, outbox: OutboxFactory = producer_outbox) -> faust.App:
    app = App(
        settings.app_id,
        broker=[f"kafka://{s}" for s in settings.bootstrap_servers],
        broker_credentials=_credentials(settings),
        key_serializer="raw",
        value_serializer="raw",
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor,
        topic_disable_leader=True,
        web_host=settings.web_host,
        web_bind=settings.web_host,
        web_port=settings.web_port,
        datadir=str(settings.data_dir),
        producer_max_request_size=topics.MAX_MESSAGE_BYTES,
        consumer_max_fetch_size=topics.MAX_MESSAGE_BYTES,
        consumer_auto_offset_reset="earliest",
        producer_linger=0.005,  # batch produce requests for 5 ms instead of one request per message
        producer_max_batch_size=256 * 1024,
        broker_max_poll_records=BATCH_MAX,
        broker_session_timeout=settings.session_timeout,
        broker_heartbeat_interval=max(1, settings.session_timeout // 4),
        broker_commit_interval=1.0,  # a killed worker's successor redoes at most ~1 s of work
        web_in_thread=False,
    )
    app.monitor = _Monitor(metrics=_faust_metrics())

    @app.page("/metrics")
    async def metrics_page(web: Any, request: Any) -> Any:
        return aioweb.Response(body=generate_latest(metrics.REGISTRY), headers={"Content-Type": CONTENT_TYPE_LATEST})

    raw_topic = app.topic(topics.RAW.name, partitions=settings.partitions, internal=False)
    app.newswire_raw_topic = raw_topic  # for tests and tools (faust has no lookup by name)

    consumed = {stage: metrics.CONSUMED.labels(stage) for stage in metrics.STAGES}  # bound once: labels() costs
    seconds = {stage: metrics.STAGE_SECONDS.labels(stage) for stage in metrics.STAGES}

    def add_dead_letter(out: Outbox, event: Any, stage: str, reason: str, detail: str,
                        article_id: str | None) -> None:
        msg = event.message
        letter = dead_letter(
            reason=reason, detail=detail, stage=stage, topic=msg.topic, partition=msg.partition,
            offset=msg.offset, key=event.key, value=_as_bytes(event.value), article_id=article_id,
            max_payload=settings.dead_letter_payload_bytes,
        )
        metrics.DEAD_LETTERED.labels(stage, reason).inc()
        log.warning("dead-lettered %s/%s@%s at %s: %s: %s", msg.topic, msg.partition, msg.offset, stage, reason,
                    detail[:200])
        out.add(topics.DEAD_LETTER.name, event.key, dumps(letter))

    def normalise_stage(out: Outbox, event: Any) -> Article | None:
        """articles.raw → articles.normalised, or a dead letter (then None)."""
        started = time.perf_counter()
        try:
            article = normalise(parse(_as_bytes(event.value), settings.max_message_bytes))
            value = dumps(article)
        except Rejected as exc:
            add_dead_letter(out, event, "normalise", exc.reason, exc.detail, exc.article_id)
            return None
        except Exception as exc:  # a bug must not stop the stream: park the message
            log.exception("normalise failed")
            add_dead_letter(out, event, "normalise", "processing_error", repr(exc), None)
            return None
        finally:
            seconds["normalise"].observe(time.perf_counter() - started)
        out.add(topics.NORMALISED.name, article.article_id.encode(), value, _forward(event.headers))
        return article

    def route_stage(out: Outbox, event: Any, article: Article) -> None:
        """A normalised article → tagged, onto every feed it matches, or a dead letter."""
        started = time.perf_counter()
        try:
            message = route(article)
            value = dumps(message)
        except Exception as exc:
            log.exception("route failed")
            add_dead_letter(out, event, "route", "processing_error", repr(exc), article.article_id)
            return
        finally:
            seconds["route"].observe(time.perf_counter() - started)
        key = message.article_id.encode()
        headers = _forward(event.headers)
        published = _published_ms(event.headers)
        for feed in message.feeds:
            out.add(topics.FEED_TOPICS[feed].name, key, value, headers, tag=published)

    # One agent runs both stages. The normalised article goes to articles.normalised for its
    # subscribers and straight on to tag and route: reading it back from Kafka would cost a
    # second consume per article, a quarter of the worker's CPU when measured.
    # Events come in batches; everything a batch produces goes into one Outbox (a record batch
    # per partition), and the batch ends when the broker has acknowledged all of it. faust
    # acks the events only when the agent asks for the next batch, and commits only acked
    # offsets, so an offset is never committed before its output is written.
    @app.agent(raw_topic, name="pipeline")
    async def pipeline_agent(stream: faust.StreamT) -> None:
        out = await outbox(app)
        async for events in stream.take_events(BATCH_MAX, within=BATCH_WINDOW):
            consumed["normalise"].inc(len(events))
            articles = [(event, normalise_stage(out, event)) for event in events]
            consumed["route"].inc(sum(1 for _, article in articles if article is not None))
            for event, article in articles:
                if article is not None:
                    route_stage(out, event, article)
            await out.flush()

    reported: set[tuple[str, str]] = set()

    @app.timer(interval=5.0)
    async def update_lag() -> None:
        consumer = app.consumer
        now: set[tuple[str, str]] = set()
        for tp in consumer.assignment():
            if tp.topic != topics.RAW.name:
                continue
            position = await consumer.position(tp)
            highwater = consumer.highwater(tp)
            if position is not None and highwater is not None:
                labels = (tp.topic, str(tp.partition))
                metrics.CONSUMER_LAG.labels(*labels).set(max(0, highwater - position))
                now.add(labels)
        for labels in reported - now:  # partitions this worker lost: another worker reports them now
            metrics.CONSUMER_LAG.remove(*labels)
        reported.clear()
        reported.update(now)

    @app.page("/healthz")
    async def healthz(web: Any, request: Any) -> Any:
        return aioweb.json_response({"status": "alive"})

    @app.page("/readyz")
    async def readyz(web: Any, request: Any) -> Any:
        state = readiness(app)
        return aioweb.json_response(state, status=200 if state["ready"] else 503)

    return app


class Worker(faust.Worker):
    """faust's worker without its terminal spinner.

    The spinner sets the root logger to DEBUG so that it can turn on every log
    record; aiokafka then builds a debug record for every fetch and produce,
    which cost about a tenth of the worker's CPU in a profile."""

    def on_setup_root_logger(self, logger: logging.Logger, level: int) -> None:
        self.spinner = None


def warm_up() -> None:
    """Build the tagger's automata and tables now (about half a second) rather than on the first
    article, which would otherwise wait for them while the worker already holds its partitions.

    Then freeze what exists (lexicon, gazetteer, modules: ~125,000 objects that live as long as the
    process) out of the garbage collector's reach: a full collection over them took ~38 ms, a pause
    every article in flight would wait for."""
    sample = "Russian drones struck Kharkiv overnight; talks in Istanbul on a ceasefire and an evacuation resumed."
    route(normalise(RawArticle("warm-up", sample)))
    gc.collect()
    gc.freeze()
    model = lexicon().classifier
    opinion = f"classifier {model.version}" if model is not None else "no classifier"
    if scanner_kind() == "native":
        log.info("tagger ready: rules %s, %s, native code (streams._scan, streams._classify)", lexicon().version, opinion)
    else:
        log.warning("tagger ready: rules %s, %s, pure-Python code, about 4x slower (streams/_*.c were not compiled)",
                    lexicon().version, opinion)


def run_worker(settings: Settings) -> None:
    """Create the topics, then run the agents and the web server until SIGTERM or Ctrl-C."""
    logging.basicConfig(level=settings.log_level)
    warm_up()
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    created = loop.run_until_complete(topics.ensure_topics(settings))
    if created:
        log.warning("created topics: %s", ", ".join(created))
    app = create_app(settings)
    log.warning("worker: broker %s, group %s, metrics http://%s:%s/metrics", settings.broker, settings.app_id,
                settings.web_host, settings.web_port)
    Worker(app, loop=loop, loglevel=settings.log_level.upper(), quiet=True).execute_from_commandline()


def readiness(app: faust.App) -> dict[str, Any]:
    """Ready = joined the group (not rebalancing), holds partitions, and knows a live broker."""
    try:
        assigned = sorted(f"{tp.topic}/{tp.partition}" for tp in app.consumer.assignment())
        client = app.consumer._thread._ensure_consumer()._client  # aiokafka client under faust's consumer
        brokers = len(client.cluster.brokers())
    except Exception:  # consumer not started yet
        assigned, brokers = [], 0
    ready = bool(assigned) and brokers > 0 and not app.rebalancing
    return {"ready": ready, "rebalancing": app.rebalancing, "brokers": brokers, "partitions": assigned}


def _credentials(settings: Settings) -> Any:
    if settings.security_protocol.startswith("SASL"):
        return faust.SASLCredentials(
            username=settings.sasl_username,
            password=settings.sasl_password,
            mechanism=settings.sasl_mechanism,
            ssl_context=settings.kafka_client_options().get("ssl_context"),
        )
    if settings.security_protocol == "SSL":
        return settings.kafka_client_options()["ssl_context"]
    return None


def _as_bytes(value: Any) -> bytes | None:
    if value is None or isinstance(value, bytes):
        return value
    return str(value).encode("utf-8", "surrogatepass")


def _forward(headers: Any) -> list[tuple[str, bytes]]:
    value = (headers or {}).get(topics.PUBLISHED_HEADER)
    return [(topics.PUBLISHED_HEADER, value)] if value is not None else []


def _published_ms(headers: Any) -> float | None:
    value = (headers or {}).get(topics.PUBLISHED_HEADER)
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


_ROUTED = {spec.name: metrics.ROUTED.labels(feed) for feed, spec in topics.FEED_TOPICS.items()}


def _count_delivered(topic: str, published: list[float | None]) -> None:
    """Outbox callback: count feed writes and their end-to-end latency once the broker acknowledged them."""
    counter = _ROUTED.get(topic)
    if counter is None:
        return
    counter.inc(len(published))
    now = time.time()
    for ms in published:
        if ms is not None:
            metrics.END_TO_END_SECONDS.observe(max(0.0, now - ms / 1000.0))
