"""Integration fixtures: real brokers and real worker processes.

Every test runs once per broker kind: the embedded broker (noida-db) and
Apache Kafka 4.x (KRaft). A broker that cannot start fails the test run; it
never skips. Tests share a broker per kind but each gets its own consumer
group and its own article ids, so they do not see each other's work.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any, Callable

import pytest

from streams import broker as brokers
from streams.codec import loads
from streams.demo import stop_process, wait_http
from streams.settings import Settings
from streams.tail import messages

KINDS = ["embedded", "kafka"]
if os.environ.get("NEWSWIRE_TEST_BROKERS"):  # e.g. "embedded" for a quick local run; CI runs both
    KINDS = os.environ["NEWSWIRE_TEST_BROKERS"].split(",")
    if os.environ.get("CI") == "true" and set(KINDS) != {"embedded", "kafka"}:
        raise RuntimeError("CI must run the integration suite on both brokers")


@pytest.fixture(scope="session", params=KINDS)
def broker(request, tmp_path_factory):
    b = brokers.create(request.param, None, tmp_path_factory.mktemp(f"broker-{request.param}"))
    b.start()  # raises with the broker's log tail if it cannot start
    b.kind = request.param
    yield b
    getattr(b, "close", b.stop)()


@pytest.fixture
def run_id() -> str:
    return uuid.uuid4().hex[:8]


@pytest.fixture
def settings(broker, run_id, tmp_path) -> Settings:
    return Settings.from_env({}, broker=broker.bootstrap, app_id=f"newswire-test-{run_id}", data_dir=tmp_path / "state",
                             web_port=brokers.free_port())


class Worker:
    def __init__(self, settings: Settings, log: Path):
        self.settings, self.log = settings, log
        env = {**os.environ, "NEWSWIRE_APP_ID": settings.app_id, "NEWSWIRE_DATA_DIR": str(settings.data_dir),
               "NEWSWIRE_LOG_LEVEL": "INFO"}
        cmd = [sys.executable, "-m", "streams", "worker", "--broker", settings.broker,
               "--web-port", str(settings.web_port)]
        with log.open("ab") as fh:
            self.process = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env, start_new_session=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.settings.web_port}"

    def wait_ready(self, timeout: float = 90) -> None:
        try:
            wait_http(self.url + "/readyz", timeout, self.process)
        except Exception as exc:
            raise RuntimeError(f"worker not ready: {exc}\n--- worker log ---\n{self.log_tail()}") from exc

    def log_tail(self, n: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:]) if self.log.exists() else ""

    def stop(self) -> None:
        stop_process(self.process)


@pytest.fixture
def start_worker(tmp_path) -> Callable[..., Worker]:
    started: list[Worker] = []
    counter = itertools.count()

    def start(settings: Settings, wait: bool = True) -> Worker:
        w = Worker(settings.replace(web_port=brokers.free_port()) if started else settings,
                   tmp_path / f"worker-{next(counter)}.log")
        started.append(w)
        if wait:
            w.wait_ready()
        return w

    yield start
    for w in started:
        w.stop()


def seeds_jsonl(tmp_path: Path, run_id: str) -> Path:
    """The seed articles as JSON lines, with ids unique to this test run."""
    import json

    from tests.conftest import SEEDS

    path = tmp_path / "seeds.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for p in sorted(SEEDS.glob("*.txt")):
            fh.write(json.dumps({"article_id": f"{p.stem}-{run_id}", "body": p.read_text(encoding="utf-8")}) + "\n")
    return path


def newswire(*args: str, timeout: float = 120, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "streams", *args], capture_output=True, text=True, timeout=timeout,
                          input=stdin)


def read_until(settings: Settings, topic: str, done: Callable[[list[Any]], bool], timeout: float = 60.0,
               key_filter: Callable[[str], bool] = lambda k: True) -> list[Any]:
    """Records of ``topic`` (all partitions, from the beginning) until ``done(records)`` or timeout."""

    async def run() -> list[Any]:
        out: list[Any] = []
        deadline = time.monotonic() + timeout
        async for record in messages(topic, settings, from_beginning=True, timeout=2.0):
            if record.key is not None and key_filter(record.key.decode("utf-8", "replace")):
                out.append(record)
            if done(out) or time.monotonic() > deadline:
                break
        return out

    async def with_retry() -> list[Any]:
        deadline = time.monotonic() + timeout
        out: list[Any] = []
        while time.monotonic() < deadline:
            out = await run()
            if done(out):
                return out
            await asyncio.sleep(0.5)
        return out

    return asyncio.run(with_retry())


def values(records: list[Any]) -> list[dict]:
    return [loads(r.value) for r in records]
