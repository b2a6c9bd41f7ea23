"""Shared helpers for the deployment tests (tests/deploy).

These tests check files under deploy/ (Prometheus, Grafana, compose,
Kubernetes) and the Dockerfile with external tools.  A missing tool is a
test FAILURE with an install hint, never a skip: a CI run without promtool
must not look green.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
DEPLOY = REPO_ROOT / "deploy"
PROMETHEUS_DIR = DEPLOY / "prometheus"
GRAFANA_DIR = DEPLOY / "grafana"
K8S_DIR = DEPLOY / "k8s"

# The metrics the worker and the replayer expose (defined in one module of
# the streams package), plus Prometheus' own `up`.  Histograms are listed by
# base name; their _bucket/_sum/_count series are derived below.
COUNTERS_AND_GAUGES = {
    "newswire_articles_consumed_total",
    "newswire_articles_routed_total",
    "newswire_articles_dead_lettered_total",
    "newswire_consumer_lag",
    "newswire_replay_sent_total",
    "newswire_replay_failed_total",
    "up",
}
HISTOGRAMS = {"newswire_stage_seconds", "newswire_end_to_end_seconds"}
KNOWN_METRICS = COUNTERS_AND_GAUGES | {
    f"{h}{suffix}" for h in HISTOGRAMS for suffix in ("_bucket", "_sum", "_count")
}

SCRAPE_JOBS = {"newswire-worker", "newswire-replay"}

ALERT_NAMES = [
    "NewswireWorkerDown",
    "NewswireConsumerLagGrowing",
    "NewswireDeadLetterRateHigh",
    "NewswireNothingRouted",
    "NewswireEndToEndLatencyHigh",
]

INSTALL_HINTS = {
    "promtool": "apt-get install -y --no-install-recommends prometheus  (Debian 12: 2.42)",
    "docker compose": (
        "the Docker Compose v2 CLI plugin (~/.docker/cli-plugins/docker-compose or "
        "/usr/local/lib/docker/cli-plugins/docker-compose), or a `docker-compose` v2 "
        "binary on PATH; set DOCKER_COMPOSE to the command to use another one"
    ),
}


def require_tool(name: str, env_var: str | None = None) -> str:
    """Return the path of executable `name` (or $env_var); fail loudly if absent."""
    if env_var and os.environ.get(env_var):
        path = shutil.which(os.environ[env_var])
        if not path:
            pytest.fail(f"{env_var}={os.environ[env_var]!r} is not an executable", pytrace=False)
        return path
    path = shutil.which(name)
    if not path:
        hint = INSTALL_HINTS.get(name, "")
        pytest.fail(
            f"required tool {name!r} not found on PATH (CI={os.environ.get('CI', '')!r}); "
            f"install: {hint}",
            pytrace=False,
        )
    return path


def compose_command() -> list[str]:
    """The Docker Compose v2 command: $DOCKER_COMPOSE, `docker compose`, or `docker-compose`."""
    if os.environ.get("DOCKER_COMPOSE"):
        return shlex.split(os.environ["DOCKER_COMPOSE"])
    candidates = []
    if shutil.which("docker"):
        candidates.append(["docker", "compose"])
    if shutil.which("docker-compose"):
        candidates.append(["docker-compose"])
    tried = []
    for cmd in candidates:
        proc = subprocess.run(cmd + ["version"], capture_output=True, text=True, timeout=60)
        out = proc.stdout + proc.stderr
        tried.append(f"{' '.join(cmd)} version -> rc={proc.returncode}: {out.strip()[:200]}")
        # Compose v1 (docker-compose 1.x, Python) does not implement the
        # current Compose specification fully; require v2.
        if proc.returncode == 0 and re.search(r"\bv?2\.\d+", out):
            return cmd
    pytest.fail(
        "Docker Compose v2 not found; tried: "
        + ("; ".join(tried) or "no docker / docker-compose on PATH")
        + f". Install {INSTALL_HINTS['docker compose']}",
        pytrace=False,
    )


def run(cmd: list[str], cwd: Path = REPO_ROOT, timeout: int = 120, env: dict | None = None):
    proc = subprocess.run(
        cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout,
        env={**os.environ, **(env or {})},
    )
    return proc


def assert_ok(proc, what: str) -> None:
    assert proc.returncode == 0, (
        f"{what} failed (exit {proc.returncode}):\n"
        f"--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}"
    )


# --------------------------------------------------------------- PromQL names

_PROMQL_KEYWORDS = {
    "by", "without", "on", "ignoring", "group_left", "group_right",
    "and", "or", "unless", "offset", "bool", "atan2", "inf", "nan",
}
_GROUPING = re.compile(
    r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)", re.IGNORECASE
)


def promql_metric_names(expr: str) -> set[str]:
    """Names of the series (metrics or recorded series) a PromQL expression selects.

    A small lexer, not a full parser (promtool parses the expressions
    elsewhere): drops string literals, label matchers, range/subquery
    brackets and grouping clauses, then keeps identifiers that are not
    function calls or keywords.  Also handles {__name__="..."} selectors.
    """
    names: set[str] = set(re.findall(r'__name__\s*=\s*"([^"]+)"', expr))
    s = re.sub(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|`[^`]*`', '""', expr)
    s = re.sub(r"\{[^{}]*\}", " ", s)
    s = re.sub(r"\[[^\[\]]*\]", " ", s)
    s = _GROUPING.sub(" ", s)
    s = re.sub(r"\boffset\s+-?\w+", " ", s)
    for m in re.finditer(r"(?<![\w:.])([A-Za-z_:][A-Za-z0-9_:]*)(\s*\()?", s):
        ident, call = m.group(1), m.group(2)
        if call or ident.lower() in _PROMQL_KEYWORDS:
            continue
        names.add(ident)
    return names


def recording_rule_names() -> set[str]:
    import yaml

    rules = yaml.safe_load((PROMETHEUS_DIR / "rules.yml").read_text())
    return {r["record"] for g in rules["groups"] for r in g["rules"] if "record" in r}
