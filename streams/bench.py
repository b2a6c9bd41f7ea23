"""``newswire bench``: the worker against the raw-aiokafka limit, in one run.

    newswire bench [--kind embedded|kafka | --broker HOST:PORT] [--articles N] [--json]

On one broker, with the same synthetic ~3 KB articles and partitions, it measures:

(a) reference: a plain aiokafka loop doing the same work (consume → normalise,
    tag, route → produce to the feeds): the practical limit for a Python client;
(b) pipeline: the real ``newswire worker`` process draining the same backlog;
(c) tagging cost per article on one core (the pure function), with the native
    and the pure-Python pass, and on the real reports of ``seeds/`` (denser than
    the synthetic articles: about 60 entity mentions and 20 numbers per 3 KB);
(d) end-to-end latency p50/p99 at a fixed offered rate, replay publish → feed write
    (read back from the feed messages' publish-time header);
(e) the worker's peak resident memory.

Ratios are what to compare across machines: both throughputs come from the
same run on the same broker. The articles are generated from a fixed seed, so
every run offers the same work.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from . import topics
from .app import warm_up
from .broker import create as create_broker
from .broker import free_port
from .codec import dumps
from .demo import start_worker, stop_process, wait_http
from .fetching import hold_empty_fetches
from .normalise import normalise, parse
from .outbox import Outbox
from .records import RawArticle
from .route import route
from .settings import Settings
from .tag import Lexicon, pure_python_lexicon, scanner_kind, tag

# ---------------------------------------------------------------- synthetic articles

_PLACES = ["Kharkiv", "Kyiv", "Odesa", "Zaporizhzhia", "Dnipro", "Sumy", "Kherson", "Mykolaiv", "Pokrovsk",
           "Kupiansk", "Izium", "Chernihiv", "Lviv", "Poltava", "Kramatorsk", "Sloviansk"]
_EVENTS = {
    "strikes": [
        "Russian forces launched {n} Shahed drones and {m} missiles at {p} overnight, the air force said.",
        "Air defence units shot down {m} cruise missiles over the {p} region before dawn.",
        "Artillery shelling of {p} killed {k} civilians and wounded {w} more on {day}.",
        "A guided bomb struck an apartment block in {p}, regional officials said.",
    ],
    "evacuations": [
        "Authorities ordered the mandatory evacuation of {e} residents from villages near {p}.",
        "Volunteers evacuated {k} children and elderly people from frontline districts of {p}.",
        "About {e} people have fled {p} since the start of the month, the UN refugee agency said.",
        "A humanitarian corridor out of {p} opened on {day} for civilians who wished to leave.",
    ],
    "diplomacy": [
        "Foreign ministers met in Istanbul for talks on a ceasefire proposal, officials said.",
        "The two sides completed a prisoner exchange mediated by the United Arab Emirates.",
        "The UN Security Council met in an emergency session on the attacks on {p}.",
        "Ukraine's president called on allies to speed up deliveries of air defence systems.",
    ],
}
_FILLER = [
    "Local officials said repair crews were working to restore power and water to affected districts.",
    "The regional governor posted photographs of the damage on social media on {day} morning.",
    "Prices for bread and fuel in the city have risen sharply over the past few weeks, residents said.",
    "Schools in the area switched to remote learning for the rest of the week as a precaution.",
    "Analysts said the situation along the front line remained tense but largely unchanged.",
    "The statement could not be independently verified by news agencies on {day}.",
    "Farmers in the region said the harvest had been delayed by the weather and a shortage of workers.",
    "Officials urged residents to heed air-raid alerts and to stay in shelters when sirens sound.",
]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
#: category mix of the synthetic stream: (feeds, weight); [] = nothing to route
_MIX = [(["strikes"], 30), (["evacuations"], 10), (["diplomacy"], 15), (["strikes", "evacuations"], 12),
        (["strikes", "diplomacy"], 10), (["strikes", "evacuations", "diplomacy"], 5), ([], 18)]


def synthetic_articles(n: int, seed: int = 7, size: int = 3000) -> list[dict[str, Any]]:
    """``n`` raw articles of about ``size`` bytes, deterministic for a seed."""
    rng = random.Random(seed)
    mixes, weights = zip(*_MIX)
    out = []
    for i in range(n):
        feeds = rng.choices(mixes, weights)[0]
        place = rng.choice(_PLACES)

        def fill(template: str) -> str:
            return template.format(p=place, n=rng.randint(10, 90), m=rng.randint(2, 40), k=rng.randint(1, 30),
                                   w=rng.randint(2, 60), e=rng.randint(100, 20000), day=rng.choice(_DAYS))

        sentences = [fill(rng.choice(_EVENTS[f])) for f in feeds]
        while sum(len(s) + 1 for s in sentences) < size:
            sentences.insert(rng.randrange(len(sentences) + 1), fill(rng.choice(_FILLER)))
        paragraphs = [" ".join(sentences[j:j + 4]) for j in range(0, len(sentences), 4)]
        out.append({"schema_version": 1, "article_id": f"bench-{seed}-{i:07d}", "title": f"Report from {place}",
                    "body": "\n\n".join(paragraphs), "published_at": "2026-01-01T00:00:00Z", "language": "en"})
    return out


# ---------------------------------------------------------------- measurements

@dataclass
class Result:
    broker: str
    articles: int
    partitions: int
    reference_articles_per_s: float
    pipeline_articles_per_s: float
    ratio: float
    tag_us_per_article: float
    tag_pass: str  # "native" (streams._scan) or "pure-python": the pass the worker runs too
    tag_us_pure_python: float  # the pure-Python pass on the same articles, in the same run
    tag_us_seeds_3kb: float | None  # per 3 KB of the real reports in seeds/ (None where seeds/ is absent)
    article_bytes: int
    rate: float
    p50_ms: float
    p99_ms: float
    worker_rss_mb: float
    two_workers_articles_per_s: float | None = None
    scaling: float | None = None


def _best_seconds(articles: list, lex: Lexicon | None, passes: int) -> float:
    """Seconds for ``tag`` over all ``articles``: the best of ``passes`` runs (the least disturbed by the machine)."""
    tag(articles[0], lex)  # build the lexicon outside the clock
    best = float("inf")
    for _ in range(passes):
        t0 = time.perf_counter()
        for art in articles:
            tag(art, lex)
        best = min(best, time.perf_counter() - t0)
    return best


def tag_cost_us(articles: list[dict[str, Any]], lex: Lexicon | None = None) -> tuple[float, int]:
    """µs per article of ``tag`` alone (best of 3 passes), and the mean body size in bytes."""
    normalised = [normalise(RawArticle(a["article_id"], a["body"], title=a["title"])) for a in articles[:2000]]
    size = int(statistics.mean(len(a.body.encode()) for a in normalised))
    return _best_seconds(normalised, lex, 3) / len(normalised) * 1e6, size


SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def seed_tag_cost_us(seeds: Path = SEEDS) -> float | None:
    """µs of ``tag`` per 3 KB of the real reports in ``seeds/`` (best of 20 passes), or None without them."""
    paths = sorted(seeds.glob("*.txt"))
    if not paths:
        return None
    articles = [normalise(RawArticle(p.stem, p.read_text(encoding="utf-8"))) for p in paths]
    chars = sum(len(a.body) for a in articles)
    return _best_seconds(articles, None, 20) / chars * 3072 * 1e6


async def produce(settings: Settings, topic: str, articles: list[dict[str, Any]], rate: float | None = None) -> None:
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(enable_idempotence=True, acks="all", linger_ms=5, max_batch_size=256 * 1024,
                                max_request_size=topics.MAX_MESSAGE_BYTES, **settings.kafka_client_options())
    await producer.start()
    try:
        start = time.monotonic()
        futures = []
        for i, a in enumerate(articles):
            if rate:
                delay = start + i / rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            headers = [(topics.PUBLISHED_HEADER, str(int(time.time() * 1000)).encode())]
            futures.append(await producer.send(topic, dumps(a), key=a["article_id"].encode(), headers=headers))
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def reference(settings: Settings, articles: list[dict[str, Any]]) -> float:
    """Articles/s of a plain aiokafka consume → normalise/tag/route → produce loop over a preloaded backlog."""
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

    raw = "bench-reference.raw"
    feeds = {f: f"bench-reference.{f}" for f in topics.FEED_TOPICS}
    await topics.ensure_topics(settings, tuple(topics.TopicSpec(n, "", "bench reference") for n in [raw, *feeds.values()]))
    await produce(settings, raw, articles)
    consumer = AIOKafkaConsumer(raw, group_id=f"bench-reference-{os.getpid()}-{time.time_ns()}",
                                auto_offset_reset="earliest", enable_auto_commit=False, max_poll_records=500,
                                fetch_max_wait_ms=10, **settings.kafka_client_options())
    producer = AIOKafkaProducer(acks="all", linger_ms=5, max_batch_size=256 * 1024,
                                max_request_size=topics.MAX_MESSAGE_BYTES, **settings.kafka_client_options())
    await consumer.start()
    hold_empty_fetches(consumer)  # as the worker does
    await producer.start()
    warm_up()  # as the worker does: tables built, long-lived objects frozen out of the collector's way
    try:
        out = Outbox(producer)  # the worker's batch sender: both sides pay the same to produce
        await out.prepare(list(feeds.values()))
        done = 0
        started = None
        while done < len(articles):
            batch = await consumer.getmany(timeout_ms=1000)
            if started is None and batch:
                started = time.perf_counter()
            for records in batch.values():
                for record in records:
                    message = route(normalise(parse(record.value, settings.max_message_bytes)))
                    value = dumps(message)
                    for feed in message.feeds:
                        out.add(feeds[feed], record.key, value)
                    done += 1
            await out.flush()  # acknowledged before the offsets are committed
            if batch:
                await consumer.commit()
        return len(articles) / (time.perf_counter() - (started or time.perf_counter()))
    finally:
        await producer.stop()
        await consumer.stop()


def _metric(url: str, name: str) -> float:
    with urllib.request.urlopen(url, timeout=5) as response:
        total = 0.0
        for line in response.read().decode().splitlines():
            if line.startswith(name) and not line.startswith("#"):
                total += float(line.rsplit(" ", 1)[1])
        return total


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


async def _latencies(settings: Settings, expected: int, prefix: bytes, timeout: float) -> list[float]:
    """Publish → feed-write latency (ms) of the feed messages whose key starts with ``prefix``."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    consumer = AIOKafkaConsumer(enable_auto_commit=False, **settings.kafka_client_options())
    await consumer.start()
    hold_empty_fetches(consumer)
    try:
        tps = [TopicPartition(spec.name, p) for spec in topics.FEED_TOPICS.values() for p in range(settings.partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        out: list[float] = []
        deadline = time.monotonic() + timeout
        while len(out) < expected and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for records in batch.values():
                for r in records:
                    if not (r.key or b"").startswith(prefix):
                        continue
                    published = dict(r.headers or ()).get(topics.PUBLISHED_HEADER)
                    if published and r.timestamp:
                        out.append(r.timestamp - float(published))  # broker append time - publish time
        return out
    finally:
        await consumer.stop()


def pipeline(settings: Settings, articles: list[dict[str, Any]], latency_articles: list[dict[str, Any]], rate: float,
             workdir: Path) -> tuple[float, float, float, float]:
    """(articles/s draining a backlog, p50 ms, p99 ms, peak RSS MB) of one real worker process."""
    asyncio.run(topics.ensure_topics(settings))
    asyncio.run(produce(settings, topics.RAW.name, articles))
    worker = start_worker(settings, workdir / "worker.log")
    url = f"http://{settings.web_host}:{settings.web_port}/metrics"
    peak = 0.0
    try:
        wait_http(url, 120, worker)
        first = None
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            peak = max(peak, _rss_mb(worker.pid))
            consumed = _metric(url, 'newswire_articles_consumed_total{stage="route"}')
            if first is None and _metric(url, 'newswire_articles_consumed_total{stage="normalise"}') > 0:
                first = time.perf_counter()
            if consumed >= len(articles):
                break
            time.sleep(0.1)  # each scrape costs the worker CPU: poll gently
        else:
            raise TimeoutError("the worker did not drain the backlog in 10 minutes")
        throughput = len(articles) / (time.perf_counter() - (first or time.perf_counter()))
        routed_before = _metric(url, "newswire_articles_routed_total")
        asyncio.run(produce(settings, topics.RAW.name, latency_articles, rate=rate))
        expected = sum(len(route(normalise(RawArticle(a["article_id"], a["body"]))).feeds) for a in latency_articles)
        while _metric(url, "newswire_articles_routed_total") < routed_before + expected:
            peak = max(peak, _rss_mb(worker.pid))
            time.sleep(0.1)  # each scrape costs the worker CPU: poll gently
        peak = max(peak, _rss_mb(worker.pid))
        prefix = latency_articles[0]["article_id"].rsplit("-", 1)[0].encode()
        latencies = asyncio.run(_latencies(settings, expected, prefix, timeout=60))
        qs = statistics.quantiles(latencies, n=100) if len(latencies) >= 2 else [float("nan")] * 99
        return throughput, qs[49], qs[98], peak
    finally:
        stop_process(worker)


def two_workers(settings: Settings, articles: list[dict[str, Any]], workdir: Path) -> float:
    """Articles/s of two worker processes in one group draining a backlog (fresh group, fresh input topic)."""
    from . import topics as t

    group = settings.replace(app_id=settings.app_id + "-two")
    workers = [start_worker(group.replace(web_port=free_port()), workdir / f"worker-two-{i}.log") for i in range(2)]
    try:
        urls = [f"http://{group.web_host}:{_port_of(w)}/metrics" for w in workers]
        for w, url in zip(workers, urls):
            wait_http(url.replace("/metrics", "/readyz"), 180, w)  # both hold partitions: the group has formed
        before = sum(_metric(u, 'newswire_articles_consumed_total{stage="route"}') for u in urls)
        started = time.perf_counter()
        asyncio.run(produce(group, t.RAW.name, articles))
        deadline = time.monotonic() + 600
        while sum(_metric(u, 'newswire_articles_consumed_total{stage="route"}') for u in urls) < before + len(articles):
            if time.monotonic() > deadline:
                raise TimeoutError("two workers did not drain the backlog in 10 minutes")
            time.sleep(0.1)  # each scrape costs the worker CPU: poll gently
        return len(articles) / (time.perf_counter() - started)
    finally:
        for w in workers:
            stop_process(w)


def _port_of(worker: Any) -> int:
    return int(worker.args[worker.args.index("--web-port") + 1])


def run(kind: str | None, broker: str | None, n: int, rate: float, latency_seconds: float,
        partitions: int, workers: int = 1) -> Result:
    articles = synthetic_articles(n)
    latency_articles = synthetic_articles(int(rate * latency_seconds), seed=8)
    tag_us, size = tag_cost_us(articles)
    pure_us, _ = tag_cost_us(articles, pure_python_lexicon())
    seeds_us = seed_tag_cost_us()
    workdir = Path(tempfile.mkdtemp(prefix="newswire-bench-"))
    own = create_broker(kind or "embedded", None, workdir / "broker") if broker is None else None
    if own:
        own.start()
        broker = own.bootstrap
    try:
        settings = Settings.from_env(broker=broker, partitions=partitions, web_port=free_port(),
                                     app_id=f"newswire-bench-{os.getpid()}", data_dir=workdir / "state")
        ref = asyncio.run(reference(settings, articles))
        pipe, p50, p99, rss = pipeline(settings, articles, latency_articles, rate, workdir)
        two = two_workers(settings, synthetic_articles(n, seed=9), workdir) if workers >= 2 else None
    finally:
        if own:
            getattr(own, "close", own.stop)()
    return Result(broker=kind or broker, articles=n, partitions=partitions, reference_articles_per_s=round(ref, 1),
                  pipeline_articles_per_s=round(pipe, 1), ratio=round(pipe / ref, 3),
                  tag_us_per_article=round(tag_us, 1), tag_pass=scanner_kind(), tag_us_pure_python=round(pure_us, 1),
                  tag_us_seeds_3kb=round(seeds_us, 1) if seeds_us else None,
                  article_bytes=size, rate=rate, p50_ms=round(p50, 1),
                  p99_ms=round(p99, 1), worker_rss_mb=round(rss, 1),
                  two_workers_articles_per_s=round(two, 1) if two else None,
                  scaling=round(two / pipe, 2) if two else None)


def render(r: Result) -> str:
    rows = [
        ("broker", r.broker), ("articles (backlog)", f"{r.articles} × ~{r.article_bytes} B, {r.partitions} partitions"),
        ("(a) reference, raw aiokafka", f"{r.reference_articles_per_s:,.0f} articles/s"),
        ("(b) pipeline, newswire worker", f"{r.pipeline_articles_per_s:,.0f} articles/s"),
        ("    ratio (b)/(a)", f"{r.ratio:.2f}"),
        ("(c) tag, one core", f"{r.tag_us_per_article:.0f} µs/article ({r.tag_pass} pass;"
                              f" pure-Python pass {r.tag_us_pure_python:.0f} µs)"),
    ]
    if r.tag_us_seeds_3kb:
        rows.append(("    real reports (seeds/)", f"{r.tag_us_seeds_3kb:.0f} µs per 3 KB"))
    rows += [
        (f"(d) end-to-end at {r.rate:,.0f}/s", f"p50 {r.p50_ms:.0f} ms, p99 {r.p99_ms:.0f} ms"),
        ("(e) worker peak RSS", f"{r.worker_rss_mb:.0f} MB"),
    ]
    if r.two_workers_articles_per_s:
        rows.append(("two workers (one group)", f"{r.two_workers_articles_per_s:,.0f} articles/s, {r.scaling:.2f}× one"))
    return "\n".join(f"{k:<32}{v}" for k, v in rows)


def main(args: Any) -> int:
    result = run(args.kind if not args.broker else None, args.broker, args.articles, args.rate, args.latency_seconds,
                 args.partitions, args.workers)
    if args.json:
        print(dumps(asdict(result)).decode())
    else:
        print(render(result))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(None))
