"""``newswire demo``: the whole pipeline on one machine, with nothing to set up.

It starts the embedded broker and a worker (a child process, as an operator
would run it), replays ``seeds/``, reads every feed back, prints each feed's
articles with their tags and evidence, and a summary read from the worker's
``/metrics``. Then it stops both, unless ``--keep-running``.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from . import topics
from .broker import EmbeddedBroker, free_port
from .codec import loads
from .render import feed_table
from .replay import replay
from .settings import Settings
from .tail import messages


def start_worker(settings: Settings, log_path: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    """A ``newswire worker`` child process (its own session, so Ctrl-C reaches it only through us)."""
    child_env = {**os.environ, **(env or {}), "NEWSWIRE_DATA_DIR": str(settings.data_dir)}
    cmd = [sys.executable, "-m", "streams", "worker", "--broker", settings.broker, "--web-port", str(settings.web_port)]
    with log_path.open("ab") as log:
        return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=child_env,
                                start_new_session=True)


def wait_http(url: str, timeout: float, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"worker exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except Exception:
            pass
        time.sleep(0.25)
    raise TimeoutError(f"{url} not ready after {timeout:.0f}s")


def stop_process(process: subprocess.Popen, timeout: float = 20.0) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


async def collect_feeds(settings: Settings, expected_ids: int, timeout: float) -> dict[str, list[dict[str, Any]]]:
    """Read every feed topic until ``expected_ids`` distinct articles were seen (or ``timeout``)."""
    feeds: dict[str, list[dict[str, Any]]] = {feed: [] for feed in topics.FEED_TOPICS}
    seen: set[str] = set()

    async def read(feed: str) -> None:
        spec = topics.FEED_TOPICS[feed]
        async for record in messages(spec.name, settings, from_beginning=True, timeout=timeout):
            msg = loads(record.value)
            feeds[feed].append(msg)
            seen.add(msg["article_id"])

    async def enough() -> None:
        while len(seen) < expected_ids:
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)  # let the last multi-feed writes land

    readers = [asyncio.ensure_future(read(feed)) for feed in feeds]
    try:
        await asyncio.wait_for(enough(), timeout)
    finally:
        for r in readers:
            r.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
    return feeds


def metrics_summary(url: str) -> str:
    from prometheus_client.parser import text_string_to_metric_families

    with urllib.request.urlopen(url, timeout=5) as response:
        text = response.read().decode()
    routed: dict[str, float] = {}
    dead = 0.0
    buckets: list[tuple[float, float]] = []
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == "newswire_articles_routed_total":
                routed[s.labels["feed"]] = s.value
            elif s.name == "newswire_articles_dead_lettered_total":
                dead += s.value
            elif s.name == "newswire_end_to_end_seconds_bucket":
                buckets.append((float(s.labels["le"]), s.value))
    p50, p99 = (histogram_quantile(q, buckets) for q in (0.5, 0.99))
    parts = [f"{feed} {int(n)}" for feed, n in routed.items()]
    return (f"routed: {', '.join(parts)}; dead letters: {int(dead)}; "
            f"end-to-end p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms")


def histogram_quantile(q: float, buckets: list[tuple[float, float]]) -> float:
    """Prometheus' histogram_quantile over cumulative (le, count) buckets."""
    buckets = sorted(buckets)
    if not buckets or buckets[-1][1] == 0:
        return float("nan")
    rank = q * buckets[-1][1]
    lower_le, lower_count = 0.0, 0.0
    for le, count in buckets:
        if count >= rank:
            if le == float("inf"):
                return lower_le
            return lower_le + (le - lower_le) * (rank - lower_count) / max(count - lower_count, 1e-9)
        lower_le, lower_count = le, count
    return lower_le


def run_demo(*, keep_running: bool, seeds: Path, web_port: int) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="newswire-demo-"))
    broker = EmbeddedBroker(data_dir=workdir / "broker")
    print("newswire demo", flush=True)
    print("  starting the embedded broker…", flush=True)
    broker.start()
    try:
        web_port = web_port if _port_free(web_port) else free_port()
        settings = Settings.from_env(broker=broker.bootstrap, web_port=web_port, data_dir=workdir / "worker")
        print(f"  broker   {broker.bootstrap}", flush=True)
        worker = start_worker(settings, workdir / "worker.log")
        base = f"http://{settings.web_host}:{settings.web_port}"
        try:
            wait_http(base + "/readyz", 90, worker)
            print(f"  worker   ready, metrics at {base}/metrics", flush=True)
            outcome = asyncio.run(replay([str(seeds)], settings, progress=False))
            print(f"  {outcome.summary()}", flush=True)
            feeds = asyncio.run(collect_feeds(settings, outcome.sent, timeout=60))
            print(feed_table(feeds), flush=True)
            time.sleep(0.5)  # delivery callbacks update the counters just after the writes
            print("\nmetrics  " + metrics_summary(base + "/metrics"), flush=True)
            print(f"         {base}/metrics", flush=True)
            if keep_running:
                print(f"\nstill running: broker {broker.bootstrap}, worker {base}. Try:\n"
                      f"  newswire tail feeds.strikes --broker {broker.bootstrap} --from-beginning\n"
                      f"  newswire replay seeds/ --broker {broker.bootstrap} --repeat 10\n"
                      "Ctrl-C stops both.", flush=True)
                signal.signal(signal.SIGTERM, signal.default_int_handler)
                try:
                    while worker.poll() is None:
                        time.sleep(1)
                    print(f"worker exited with status {worker.returncode}", file=sys.stderr)
                except KeyboardInterrupt:
                    print("\nstopping…", flush=True)
            status = 0 if outcome.ok else 1
        except BaseException:
            print(f"demo failed: the worker's log is {workdir / 'worker.log'}", file=sys.stderr)
            status = None
            raise
        finally:
            stop_process(worker)
    finally:
        broker.close()
    shutil.rmtree(workdir, ignore_errors=True)  # only after a clean run: a failed one keeps its logs
    return status


def _port_free(port: int) -> bool:
    import socket

    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the web server does: TIME_WAIT is no owner
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False
