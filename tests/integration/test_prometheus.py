"""A real Prometheus (Debian's package) scrapes a real worker: the counts it sees are the feeds' counts."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.parse
import urllib.request

import pytest
import yaml

from streams.broker import EmbeddedBroker, free_port
from streams.settings import Settings
from tests.conftest import EXPECTED_SEED_FEEDS, ROOT
from tests.deploy.test_grafana_dashboard import EXPRESSIONS, substitute_grafana_macros

from .conftest import newswire

pytestmark = pytest.mark.integration


def query(base: str, expr: str) -> list[dict]:
    url = f"{base}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    with urllib.request.urlopen(url, timeout=10) as response:
        body = json.loads(response.read())
    assert body["status"] == "success", body
    return body["data"]["result"]


@pytest.fixture
def prometheus(tmp_path):
    """Starts `prometheus` on 127.0.0.1 with deploy/prometheus's rules; returns a function that points it at a worker."""
    binary = shutil.which("prometheus")
    assert binary, "prometheus is not installed (scripts/test installs Debian's package)"
    procs: list[subprocess.Popen] = []

    def start(worker_port: int) -> str:
        config = yaml.safe_load((ROOT / "deploy/prometheus/prometheus.yml").read_text())
        config["global"]["scrape_interval"] = "1s"
        config["global"]["evaluation_interval"] = "1s"
        config["global"]["scrape_timeout"] = "1s"
        for job in config["scrape_configs"]:
            if job["job_name"] == "newswire-worker":
                job["static_configs"] = [{"targets": [f"127.0.0.1:{worker_port}"]}]
        config["rule_files"] = [str(ROOT / "deploy/prometheus/rules.yml")]
        path = tmp_path / "prometheus.yml"
        path.write_text(yaml.safe_dump(config))
        port = free_port()
        log = (tmp_path / "prometheus.log").open("wb")
        procs.append(subprocess.Popen(
            [binary, f"--config.file={path}", f"--web.listen-address=127.0.0.1:{port}",
             f"--storage.tsdb.path={tmp_path / 'tsdb'}"], stdout=log, stderr=subprocess.STDOUT))
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(base + "/-/ready", timeout=2)
                return base
            except Exception:
                time.sleep(0.3)
        raise RuntimeError("prometheus did not start:\n" + (tmp_path / "prometheus.log").read_text()[-2000:])

    yield start
    for p in procs:
        p.terminate()
        p.wait(20)


@pytest.fixture
def fresh_broker(tmp_path):
    """A broker of its own: the counts must come from this test's replay alone, not from topics other tests filled."""
    broker = EmbeddedBroker(data_dir=tmp_path / "broker")
    broker.start()
    yield broker
    broker.close()


def test_prometheus_sees_the_routed_counts(fresh_broker, start_worker, prometheus, tmp_path, record_property):
    settings = Settings.from_env({}, broker=fresh_broker.bootstrap, data_dir=tmp_path / "state", web_port=free_port())
    worker = start_worker(settings)
    assert newswire("replay", str(ROOT / "seeds"), "--broker", settings.broker).returncode == 0
    base = prometheus(settings.web_port)

    want = {feed: float(sum(feed in f for f in EXPECTED_SEED_FEEDS.values()))
            for feed in ("strikes", "evacuations", "diplomacy")}
    want["unrouted"] = 0.0
    got: dict[str, float] = {}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        got = {r["metric"]["feed"]: float(r["value"][1])
               for r in query(base, 'sum by (feed) (newswire_articles_routed_total{job="newswire-worker"})')}
        if got == want:
            break
        time.sleep(1)
    assert got == want, worker.log_tail()
    record_property("prometheus_routed", json.dumps(got))

    assert query(base, 'up{job="newswire-worker"}')[0]["value"][1] == "1"
    with urllib.request.urlopen(f"{base}/api/v1/rules", timeout=10) as response:
        groups = json.loads(response.read())["data"]["groups"]
    rules = [r for g in groups for r in g["rules"]]
    assert rules and all(r["health"] != "err" for r in rules), [r for r in rules if r["health"] == "err"]

    # every dashboard expression is valid PromQL for this server and names series it has
    time.sleep(2)
    for panel, expr in EXPRESSIONS:
        query(base, substitute_grafana_macros(expr))  # raises on a parse error
    names = set(json.loads(urllib.request.urlopen(f"{base}/api/v1/label/__name__/values", timeout=10).read())["data"])
    for metric in ("newswire_articles_consumed_total", "newswire_articles_routed_total",
                   "newswire_articles_dead_lettered_total", "newswire_stage_seconds_bucket",
                   "newswire_end_to_end_seconds_bucket", "newswire_consumer_lag"):
        assert metric in names, metric
    assert any(n.startswith("newswire_faust_") for n in names)  # faust's own sensor on the same endpoint
