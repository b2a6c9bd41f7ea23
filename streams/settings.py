"""Every setting newswire reads, in one frozen object.

Each field is read from one environment variable (``NEWSWIRE_<FIELD>``, upper
case); command-line flags override the environment by calling
``Settings.from_env(broker=...)``. Nothing else in the package reads
``os.environ``.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

PREFIX = "NEWSWIRE_"


def _doc(text: str, default: Any, *, secret: bool = False) -> Any:
    return field(default=default, metadata={"doc": text, "secret": secret})


@dataclass(frozen=True, slots=True)
class Settings:
    broker: str = _doc("Kafka bootstrap servers, comma-separated host:port.", "127.0.0.1:9092")
    app_id: str = _doc("Faust app id: the consumer group and the prefix of internal topics.", "newswire")
    partitions: int = _doc("Partitions of every newswire topic when newswire creates it.", 4)
    replication_factor: int = _doc("Replication factor of topics newswire creates.", 1)
    web_host: str = _doc("Address the worker's web server (/metrics, /healthz, /readyz) binds to.", "127.0.0.1")
    web_port: int = _doc("Port of the worker's web server.", 6066)
    data_dir: Path = _doc("Directory for the worker's local state.", Path(".newswire"))
    max_message_bytes: int = _doc(
        "Largest raw article accepted (bytes); larger ones are dead-lettered as oversized.", 1024 * 1024
    )
    dead_letter_payload_bytes: int = _doc(
        "At most this many bytes of a rejected message are copied into its dead letter.", 512 * 1024
    )
    session_timeout: int = _doc(
        "Seconds without a heartbeat before the group gives a dead worker's partitions to the others.", 10
    )
    log_level: str = _doc("Log level of the worker and the CLI.", "WARNING")
    security_protocol: str = _doc("PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL.", "PLAINTEXT")
    sasl_mechanism: str = _doc("PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (with a SASL protocol).", "PLAIN")
    sasl_username: str = _doc("SASL user name.", "")
    sasl_password: str = _doc("SASL password (never logged).", "", secret=True)
    ssl_cafile: str = _doc("CA bundle to verify the brokers' TLS certificates.", "")

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: Any) -> "Settings":
        """Build settings from the environment; ``overrides`` (not None) win."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(PREFIX + f.name.upper())
            if raw is not None and raw != "":
                values[f.name] = _convert(f.type, raw, f.name)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    @property
    def bootstrap_servers(self) -> list[str]:
        return [s.strip() for s in self.broker.split(",") if s.strip()]

    def kafka_client_options(self) -> dict[str, Any]:
        """Connection options shared by every aiokafka client newswire creates."""
        opts: dict[str, Any] = {
            "bootstrap_servers": self.bootstrap_servers,
            "security_protocol": self.security_protocol,
        }
        if self.security_protocol.startswith("SASL"):
            opts.update(
                sasl_mechanism=self.sasl_mechanism,
                sasl_plain_username=self.sasl_username,
                sasl_plain_password=self.sasl_password,
            )
        if self.security_protocol in ("SSL", "SASL_SSL"):
            from aiokafka.helpers import create_ssl_context

            opts["ssl_context"] = create_ssl_context(cafile=self.ssl_cafile or None)
        return opts

    def __repr__(self) -> str:  # keep secrets out of logs and tracebacks
        shown = []
        for f in fields(self):
            value = getattr(self, f.name)
            if f.metadata.get("secret") and value:
                value = "***"
            shown.append(f"{f.name}={value!r}")
        return f"Settings({', '.join(shown)})"

    __str__ = __repr__

    def replace(self, **changes: Any) -> "Settings":
        return dataclasses.replace(self, **changes)


def _convert(kind: Any, raw: str, name: str) -> Any:
    kind = kind if isinstance(kind, str) else getattr(kind, "__name__", str(kind))
    try:
        if kind == "int":
            return int(raw)
        if kind == "Path":
            return Path(raw)
    except ValueError as exc:
        raise ValueError(f"{PREFIX}{name.upper()}={raw!r}: expected {kind}") from exc
    return raw


def describe() -> list[tuple[str, str, str]]:
    """(variable, default, meaning) for each setting: the README's settings table."""
    out = []
    for f in fields(Settings):
        out.append((PREFIX + f.name.upper(), str(f.default), f.metadata["doc"]))
    return out
