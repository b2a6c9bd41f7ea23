"""The replay producer: publish articles to ``articles.raw`` for testing.

    newswire replay seeds/ --broker 127.0.0.1:9092 [--rate N] [--speedup X] [--repeat N] [--loop]

A plain aiokafka producer, independent of the faust app. It reads ``.txt``
files (the file stem is the ``article_id``), ``.jsonl`` files and ``-``
(JSON lines on stdin), validates every article against
``schemas/raw_article.json`` and sends it keyed by ``article_id`` with an
idempotent producer (acks=all). A failed send is retried with exponential
backoff; an article that still fails is counted and reported, and the exit
status is non-zero when anything was not delivered.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable, Iterator, TextIO

from . import metrics, topics
from .codec import dumps, loads
from .records import RAW_VERSION
from .schemas import SchemaError, validate
from .settings import Settings

log = logging.getLogger(__name__)

IN_FLIGHT = 512  # unacknowledged sends before the replayer waits


class InputError(ValueError):
    """An input line or file that is not an article."""


@dataclass(slots=True)
class Outcome:
    sent: int = 0
    failed: int = 0
    invalid: int = 0
    errors: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    @property
    def ok(self) -> bool:
        return self.failed == 0 and self.invalid == 0

    def summary(self) -> str:
        rate = self.sent / self.elapsed if self.elapsed > 0 else 0.0
        return (f"replay: sent {self.sent}, failed {self.failed}, invalid {self.invalid}, "
                f"elapsed {self.elapsed:.2f}s ({rate:.0f} articles/s)")


# ---------------------------------------------------------------- reading

def read_articles(paths: Iterable[str], stdin: TextIO | None = None) -> Iterator[dict[str, Any] | InputError]:
    """Yield articles (dicts) from files, directories and ``-``; bad input is yielded as InputError."""
    for p in paths:
        if p == "-":
            yield from _read_lines((stdin or sys.stdin), "<stdin>")
            continue
        path = Path(p)
        if path.is_dir():
            files = sorted(f for f in path.rglob("*") if f.suffix in (".txt", ".jsonl") and f.is_file())
            if not files:
                yield InputError(f"{path}: no .txt or .jsonl files")
            for f in files:
                yield from _read_file(f)
        elif path.is_file():
            yield from _read_file(path)
        else:
            yield InputError(f"{path}: no such file or directory")


def _read_file(path: Path) -> Iterator[dict[str, Any] | InputError]:
    if path.suffix == ".jsonl":
        with path.open(encoding="utf-8", errors="strict") as fh:
            yield from _read_lines(fh, str(path))
        return
    try:
        body = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        yield InputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})")
        return
    yield {"schema_version": RAW_VERSION, "article_id": path.stem, "body": body}


def _read_lines(fh: TextIO, name: str) -> Iterator[dict[str, Any] | InputError]:
    for n, line in enumerate(fh, 1):
        if not line.strip():
            continue
        try:
            data = loads(line)
        except Exception as exc:
            yield InputError(f"{name}:{n}: not JSON ({exc})")
            continue
        if isinstance(data, dict):
            data.setdefault("schema_version", RAW_VERSION)
            yield data
        else:
            yield InputError(f"{name}:{n}: expected a JSON object")


def expand(articles: Iterable[dict[str, Any] | InputError], repeat: int, loop_pass: int) -> Iterator[dict[str, Any] | InputError]:
    """Copies with distinct ids: ``<id>-r<k>`` for --repeat, ``-l<pass>`` for later --loop passes."""
    for article in articles:
        if isinstance(article, InputError) or (repeat == 1 and loop_pass == 0):
            yield article
            continue
        for k in range(1, repeat + 1):
            copy = dict(article)
            suffix = (f"-r{k}" if repeat > 1 else "") + (f"-l{loop_pass}" if loop_pass else "")
            copy["article_id"] = f"{article.get('article_id')}{suffix}"
            yield copy


# ---------------------------------------------------------------- pacing

class Pacer:
    """Sleeps so that sends follow --rate (articles/s) or --speedup (published_at gaps / X)."""

    def __init__(self, rate: float | None, speedup: float | None):
        self.rate, self.speedup = rate, speedup
        self.start = time.monotonic()
        self.count = 0
        self.last_published: datetime | None = None
        self.due = self.start

    async def wait(self, article: dict[str, Any]) -> None:
        if self.speedup:
            published = _parse_time(article.get("published_at"))
            if published and self.last_published:
                gap = (published - self.last_published).total_seconds() / self.speedup
                self.due += max(0.0, gap)
            if published:
                self.last_published = published
        elif self.rate:
            self.due = self.start + self.count / self.rate
        self.count += 1
        delay = self.due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


# ---------------------------------------------------------------- sending

class Progress:
    def __init__(self, total: int | None, stream: TextIO = sys.stderr):
        self.total, self.stream = total, stream
        self.enabled = stream.isatty()
        self.last = 0.0

    def update(self, outcome: Outcome, force: bool = False) -> None:
        now = time.monotonic()
        if not self.enabled or (not force and now - self.last < 0.2):
            return
        self.last = now
        done = outcome.sent + outcome.failed
        if self.total:
            width = 30
            filled = int(width * done / self.total)
            bar = f"[{'#' * filled}{'.' * (width - filled)}] {done}/{self.total}"
        else:
            bar = f"{done}"
        rate = outcome.sent / outcome.elapsed if outcome.elapsed else 0
        self.stream.write(f"\r{bar} sent {outcome.sent} failed {outcome.failed} ({rate:.0f}/s)")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")


async def replay(
    paths: list[str],
    settings: Settings,
    *,
    rate: float | None = None,
    speedup: float | None = None,
    repeat: int = 1,
    loop: bool = False,
    raw: bool = False,
    retries: int = 5,
    stdin: TextIO | None = None,
    progress: bool = True,
) -> Outcome:
    from aiokafka import AIOKafkaProducer

    await topics.ensure_topics(settings)
    producer = AIOKafkaProducer(
        enable_idempotence=True,  # retries never duplicate or reorder within a partition
        acks="all",
        linger_ms=5,
        max_batch_size=256 * 1024,
        max_request_size=topics.MAX_MESSAGE_BYTES,
        request_timeout_ms=30_000,
        retry_backoff_ms=200,
        **settings.kafka_client_options(),
    )
    await producer.start()
    outcome = Outcome()
    total = None
    if not loop and "-" not in paths:
        total = sum(1 for _ in expand(read_articles(paths), repeat, 0))
    bar = Progress(total if progress else None)
    bar.enabled = bar.enabled and progress
    pacer = Pacer(rate, speedup)
    pending: set[asyncio.Task] = set()
    try:
        loop_pass = 0
        while True:
            for article in expand(read_articles(paths, stdin), repeat, loop_pass):
                if isinstance(article, InputError):
                    outcome.invalid += 1
                    outcome.errors.append(str(article))
                    log.error("%s", article)
                    continue
                if not raw:
                    try:
                        validate("raw_article", article)
                    except SchemaError as exc:
                        outcome.invalid += 1
                        outcome.errors.append(f"{article.get('article_id')!r}: {exc.path}: {exc}")
                        log.error("not sent, invalid article %r: %s: %s", article.get("article_id"), exc.path, exc)
                        continue
                await pacer.wait(article)
                key = str(article.get("article_id", "")).encode()
                task = asyncio.ensure_future(_send(producer, key, dumps(article), retries, outcome))
                pending.add(task)
                task.add_done_callback(pending.discard)
                if len(pending) >= IN_FLIGHT:
                    await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                bar.update(outcome)
            if not loop:
                break
            loop_pass += 1
        if pending:
            await asyncio.wait(pending)
    finally:
        for task in pending:
            task.cancel()
        await producer.stop()
        bar.update(outcome, force=True)
        bar.close()
    return outcome


async def _send(producer: Any, key: bytes, value: bytes, retries: int, outcome: Outcome) -> None:
    delay = 0.2
    for attempt in range(retries + 1):
        try:
            headers = [(topics.PUBLISHED_HEADER, str(int(time.time() * 1000)).encode())]
            fut = await producer.send(topics.RAW.name, value=value, key=key, headers=headers)
            await fut
            outcome.sent += 1
            metrics.REPLAY_SENT.inc()
            return
        except Exception as exc:
            if attempt == retries:
                outcome.failed += 1
                outcome.errors.append(f"{key.decode(errors='replace')}: {exc!r}")
                metrics.REPLAY_FAILED.inc()
                log.error("gave up on %r after %d attempts: %r", key, attempt + 1, exc)
                return
            log.warning("send of %r failed (%r), retrying in %.1fs", key, exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)
