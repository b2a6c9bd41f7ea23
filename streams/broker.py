"""Local brokers started by newswire itself: ``newswire broker [--kind embedded|kafka]``.

* ``embedded`` (default): noida-db, a Kafka-protocol broker shipped as a PyPI
  wheel (a single binary inside the package). Zero set-up: the demo and the
  fast tests use it. It passed the project's broker conformance tests
  (``tests/integration/``): idempotent producer, consumer groups, correct end
  offsets. It keeps its log in memory, so it is for demos and tests, not for
  production volumes.
* ``kafka``: Apache Kafka 4.x in KRaft mode from jars fetched through Maven
  (``streams.kafka_broker``): the reference broker CI runs the integration
  suite against.

Both bind to 127.0.0.1 only and expose the same small interface: ``start()``,
``stop()``, ``restart()``, ``bootstrap``, ``pid``, and use as a context manager.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import tempfile
import time
from importlib.resources import files
from pathlib import Path
from typing import Protocol

from .kafka_broker import free_port  # one free-port helper for both launchers

HOST = "127.0.0.1"


class Broker(Protocol):
    bootstrap: str

    def start(self, timeout: float = 60.0) -> None: ...
    def stop(self, timeout: float = 30.0) -> None: ...
    def restart(self) -> None: ...




def wait_ready(bootstrap: str, timeout: float, process: subprocess.Popen | None = None, **client: object) -> None:
    """Block until a Kafka client can fetch metadata from ``bootstrap``."""

    async def probe() -> bool:
        from aiokafka.admin import AIOKafkaAdminClient

        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=3000, **client)
        try:
            await admin.start()
            await admin.list_topics()
            return True
        except Exception:
            return False
        finally:
            try:
                await admin.close()
            except Exception:
                pass

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"broker exited with status {process.returncode} before it was ready")
        if asyncio.run(probe()):
            return
        time.sleep(0.2)
    raise TimeoutError(f"broker at {bootstrap} not ready after {timeout:.0f}s")


class EmbeddedBroker:
    """noida-db's Kafka service on 127.0.0.1, in a child process."""

    def __init__(self, port: int | None = None, data_dir: Path | None = None):
        self.port = port or free_port()
        self._own_dir = data_dir is None
        self.data_dir = Path(data_dir) if data_dir else Path(tempfile.mkdtemp(prefix="newswire-embedded-"))
        self.process: subprocess.Popen | None = None

    @property
    def bootstrap(self) -> str:
        return f"{HOST}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    @staticmethod
    def binary() -> Path:
        path = Path(str(files("noida_db").joinpath("noida-db")))
        if not path.is_file():
            raise RuntimeError(f"noida-db binary missing at {path}: reinstall with `pip install noida-db`")
        if not os.access(path, os.X_OK):
            path.chmod(0o755)
        return path

    def start(self, timeout: float = 30.0) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = (self.data_dir / "broker.log").open("ab")
        cmd = [str(self.binary()), "start", "--only", "kafka", "--host", HOST,
               "--kafka-port", str(self.port), "--data-dir", str(self.data_dir / "data")]
        self.process = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                        start_new_session=True)
        log.close()
        try:
            wait_ready(self.bootstrap, timeout, self.process)
        except Exception as exc:
            tail = self.log_tail()
            self.stop()
            raise RuntimeError(f"embedded broker did not start: {exc}\n{tail}") from exc

    def log_tail(self, lines: int = 20) -> str:
        path = self.data_dir / "broker.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self, timeout: float = 30.0) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # like Ctrl-C: it saves its data and exits
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def close(self) -> None:
        self.stop()
        if self._own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def __enter__(self) -> "EmbeddedBroker":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def create(kind: str, port: int | None = None, data_dir: Path | None = None) -> Broker:
    if kind == "embedded":
        return EmbeddedBroker(port, data_dir)
    if kind == "kafka":
        from .kafka_broker import ApacheKafka, install

        install()  # fetches the jars through Maven on first use; cached afterwards
        return ApacheKafka(port, data_dir)
    raise ValueError(f"unknown broker kind {kind!r} (embedded or kafka)")
