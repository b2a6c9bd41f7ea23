"""newswire against an Apache Kafka that demands SASL/SCRAM: it connects with the right
credentials, fails clearly with wrong ones, and never writes the password to a log."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from streams import topics
from streams.broker import free_port
from streams.kafka_broker import ApacheKafka, install
from streams.settings import Settings
from tests.conftest import EXPECTED_SEED_FEEDS, ROOT

from .conftest import Worker, read_until

pytestmark = [pytest.mark.integration, pytest.mark.kafka]

USER, PASSWORD = "newswire-svc", "s3cret-Pa55,word=!"


@pytest.fixture(scope="module")
def scram_kafka(tmp_path_factory):
    install()
    broker = ApacheKafka(data_dir=tmp_path_factory.mktemp("scram-kafka"), sasl_scram_users={USER: PASSWORD})
    broker.start()
    yield broker
    broker.stop()


def env_for(mechanism: str, password: str) -> dict[str, str]:
    return {"NEWSWIRE_SECURITY_PROTOCOL": "SASL_PLAINTEXT", "NEWSWIRE_SASL_MECHANISM": mechanism,
            "NEWSWIRE_SASL_USERNAME": USER, "NEWSWIRE_SASL_PASSWORD": password}


@pytest.mark.parametrize("mechanism", ["SCRAM-SHA-256", "SCRAM-SHA-512"])
def test_pipeline_over_sasl_scram(scram_kafka, mechanism, tmp_path, run_id, monkeypatch):
    for k, v in env_for(mechanism, PASSWORD).items():
        monkeypatch.setenv(k, v)
    settings = Settings.from_env(broker=scram_kafka.sasl_bootstrap, app_id=f"newswire-sasl-{run_id}",
                                 data_dir=tmp_path / "state", web_port=free_port())
    worker = Worker(settings, tmp_path / "worker.log")
    try:
        worker.wait_ready()
        replay = subprocess.run([sys.executable, "-m", "streams", "replay", str(ROOT / "seeds"), "--broker",
                                 settings.broker], capture_output=True, text=True, timeout=120)
        assert replay.returncode == 0, replay.stderr
        want = sum("diplomacy" in f for f in EXPECTED_SEED_FEEDS.values())
        records = read_until(settings, topics.DIPLOMACY.name, lambda r: len({x.key for x in r}) >= want)
        assert len({r.key for r in records}) >= want
    finally:
        worker.stop()
    log = worker.log.read_text(errors="replace")
    assert PASSWORD not in log and PASSWORD not in replay.stderr


def test_wrong_password_fails_clearly(scram_kafka, tmp_path):
    env = {**os.environ, **env_for("SCRAM-SHA-256", "not-the-password")}
    result = subprocess.run([sys.executable, "-m", "streams", "replay", str(ROOT / "seeds"), "--broker",
                             scram_kafka.sasl_bootstrap], capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode != 0
    assert "Authentication" in result.stderr or "SASL" in result.stderr or "auth" in result.stderr.lower()
    assert "not-the-password" not in result.stderr
