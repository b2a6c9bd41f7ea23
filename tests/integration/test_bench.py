"""`newswire bench` end to end on a small backlog: it starts its own embedded broker, runs the raw-aiokafka
reference and the real worker, and prints the one JSON object the README documents. Figures are only
checked for sense (the benchmark is where speed is judged, not a timed test)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from streams.bench import Result, render

pytestmark = pytest.mark.integration

KEYS = {"reference_articles_per_s", "pipeline_articles_per_s", "ratio", "tag_us_per_article", "p50_ms", "p99_ms",
        "worker_rss_mb"}


def test_bench_prints_its_json_object(tmp_path):
    done = subprocess.run([sys.executable, "-m", "streams", "bench", "--kind", "embedded", "--articles", "600",
                           "--rate", "200", "--latency-seconds", "2", "--json"],
                          capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert KEYS <= result.keys()
    assert result["broker"] == "embedded" and result["articles"] == 600
    assert result["reference_articles_per_s"] > 0 and result["pipeline_articles_per_s"] > 0
    assert result["ratio"] == pytest.approx(result["pipeline_articles_per_s"] / result["reference_articles_per_s"],
                                            abs=0.002)
    assert result["tag_pass"] == "native"
    assert 0 < result["tag_us_per_article"] and 0 < result["tag_us_pure_python"] and 0 < result["tag_us_seeds_3kb"]
    assert 2500 < result["article_bytes"] < 3500  # ~3 KB articles, as the issue asks
    assert 0 < result["p50_ms"] <= result["p99_ms"]
    assert result["worker_rss_mb"] > 20
    table = render(Result(**result))  # the table printed without --json
    assert "ratio (b)/(a)" in table and "native pass" in table and "real reports (seeds/)" in table
