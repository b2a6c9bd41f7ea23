"""A steady replay for several minutes: the worker's memory stays flat and its lag recovers.

Marked ``soak``; it runs in CI (about four minutes). NEWSWIRE_SOAK_SECONDS changes its length.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request

import pytest

from streams.bench import _rss_mb

pytestmark = [pytest.mark.integration, pytest.mark.kafka, pytest.mark.soak,
              pytest.mark.parametrize("broker", ["kafka"], indirect=True)]

SECONDS = int(os.environ.get("NEWSWIRE_SOAK_SECONDS", "180"))
RATE = 100


def lag(url: str) -> float:
    with urllib.request.urlopen(url, timeout=5) as response:
        return sum(float(line.rsplit(" ", 1)[1]) for line in response.read().decode().splitlines()
                   if line.startswith("newswire_consumer_lag{"))


def test_memory_flat_and_lag_recovers(broker, settings, start_worker, tmp_path, record_property):
    from tests.conftest import SEEDS

    worker = start_worker(settings)
    url = worker.url + "/metrics"
    replay = subprocess.Popen([sys.executable, "-m", "streams", "replay", str(SEEDS), "--broker", settings.broker,
                               "--loop", "--rate", str(RATE)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True)
    samples: list[tuple[float, float, float]] = []  # (seconds, rss MB, lag)
    started = time.monotonic()
    try:
        while time.monotonic() - started < SECONDS:
            time.sleep(5)
            assert replay.poll() is None, replay.stderr.read()
            assert worker.process.poll() is None, worker.log_tail()
            samples.append((time.monotonic() - started, _rss_mb(worker.process.pid), lag(url)))
    finally:
        replay.terminate()
        replay.wait(30)
    # after the replay stops, the worker catches up
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and lag(url) > 0:
        time.sleep(2)
    final_lag = lag(url)

    warm = [rss for t, rss, _ in samples if t >= 60]  # after start-up, caches and buffers are warm
    first, last = statistics.mean(warm[:3]), statistics.mean(warm[-3:])
    report = {"seconds": SECONDS, "rate": RATE, "articles": int(SECONDS * RATE),
              "rss_mb_at_60s": round(first, 1), "rss_mb_at_end": round(last, 1),
              "rss_growth_mb": round(last - first, 1), "max_lag": max(l for _, _, l in samples),
              "lag_after_stop": final_lag}
    print("\nsoak:", json.dumps(report))
    record_property("soak", json.dumps(report))
    assert last - first < 25, report  # flat: no growth with the number of articles seen
    assert final_lag == 0, report
