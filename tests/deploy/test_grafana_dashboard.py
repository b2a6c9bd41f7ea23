"""Grafana dashboard and provisioning.

Every PromQL `expr` in deploy/grafana/newswire.json must name only the
metrics the worker/replayer expose (or recording rules from rules.yml) and
must parse.  promtool 2.42 has no command that parses a bare expression, so
each one is wrapped into a recording rule in a temporary rules file and
checked with `promtool check rules`.  Missing promtool -> FAIL.

EXPRESSIONS and substitute_grafana_macros() are meant to be reused by a test
that runs the expressions against a live Prometheus.
"""

from __future__ import annotations

import json
import re

import pytest
import yaml

from ._helpers import (
    GRAFANA_DIR,
    KNOWN_METRICS,
    SCRAPE_JOBS,
    promql_metric_names,
    recording_rule_names,
    require_tool,
    run,
)

DASHBOARD = GRAFANA_DIR / "newswire.json"
DATASOURCES = GRAFANA_DIR / "provisioning" / "datasources" / "prometheus.yaml"
DASHBOARD_PROVIDERS = GRAFANA_DIR / "provisioning" / "dashboards" / "newswire.yaml"

# Grafana's built-in interval variables, replaced by concrete durations
# before parsing.  Any other `$variable` in an expr is an error.
GRAFANA_MACROS = {
    "$__rate_interval": "1m",
    "$__interval": "15s",
    "$__range": "30m",
}


def substitute_grafana_macros(expr: str) -> str:
    for macro in sorted(GRAFANA_MACROS, key=len, reverse=True):
        expr = expr.replace(macro, GRAFANA_MACROS[macro])
        expr = expr.replace("${" + macro[1:] + "}", GRAFANA_MACROS[macro])
    return expr


def _load_dashboard() -> dict:
    return json.loads(DASHBOARD.read_text())


def _panels(panels: list[dict]):
    for p in panels:
        yield p
        yield from _panels(p.get("panels", []))  # collapsed rows


def _expressions() -> list[tuple[str, str]]:
    out = []
    for p in _panels(_load_dashboard()["panels"]):
        for t in p.get("targets", []):
            if "expr" in t:
                out.append((f"{p['title']} [{t.get('refId', '?')}]", t["expr"]))
    return out


EXPRESSIONS = _expressions()


def test_dashboard_has_the_expected_panels():
    dash = _load_dashboard()
    assert dash["uid"] == "newswire"
    exprs = " ".join(e for _, e in EXPRESSIONS)
    # rate per feed, per-stage latency, end-to-end latency, dead letters,
    # lag, consumed per stage, worker up.
    for needle in (
        "newswire_articles_routed_total",
        "newswire_stage_seconds_bucket",
        "newswire_end_to_end_seconds_bucket",
        "newswire_articles_dead_lettered_total",
        "newswire_consumer_lag",
        "newswire_articles_consumed_total",
        'up{job="newswire-worker"}',
    ):
        assert needle in exprs, needle
    for q in ("0.5", "0.99"):
        for hist in ("newswire_stage_seconds_bucket", "newswire_end_to_end_seconds_bucket"):
            pattern = rf"histogram_quantile\(\s*{re.escape(q)}\s*,.*\b{hist}\b"
            assert any(re.search(pattern, e) for _, e in EXPRESSIONS), f"no p{q} panel for {hist}"
    assert len({p["id"] for p in _panels(dash["panels"])}) == len(list(_panels(dash["panels"])))


def test_datasource_matches_provisioning():
    prov = yaml.safe_load(DATASOURCES.read_text())
    (ds,) = [d for d in prov["datasources"] if d["type"] == "prometheus"]
    dash = _load_dashboard()
    variables = {v["name"]: v for v in dash["templating"]["list"]}
    var = variables["datasource"]
    assert var["type"] == "datasource" and var["query"] == "prometheus"
    assert var["current"]["value"] == ds["uid"]
    allowed = {"${datasource}", "$datasource", ds["uid"]}
    for p in _panels(dash["panels"]):
        refs = [p.get("datasource")] + [t.get("datasource") for t in p.get("targets", [])]
        for ref in refs:
            if ref is None or p.get("type") == "row":
                continue
            assert ref["type"] == "prometheus" and ref["uid"] in allowed, (p["title"], ref)


def test_dashboard_provider_is_valid():
    prov = yaml.safe_load(DASHBOARD_PROVIDERS.read_text())
    assert prov["apiVersion"] == 1
    (provider,) = prov["providers"]
    assert provider["type"] == "file" and provider["options"]["path"].startswith("/")


def test_expressions_use_known_metrics_and_jobs():
    assert EXPRESSIONS, "no PromQL expressions found in the dashboard"
    allowed = KNOWN_METRICS | recording_rule_names()
    problems = []
    for where, expr in EXPRESSIONS:
        unknown = promql_metric_names(substitute_grafana_macros(expr)) - allowed
        if unknown:
            problems.append(f"{where}: unknown series {sorted(unknown)} in {expr!r}")
        for job in re.findall(r'job\s*=~?\s*"([^"]+)"', expr):
            if job not in SCRAPE_JOBS:
                problems.append(f"{where}: unknown job {job!r}")
        leftover = re.findall(r"\$\{?\w+", substitute_grafana_macros(expr))
        if leftover:
            problems.append(f"{where}: unsupported variables {leftover}")
    assert not problems, "\n".join(problems)


def test_expressions_parse_with_promtool(tmp_path):
    promtool = require_tool("promtool", "PROMTOOL")
    assert EXPRESSIONS
    rules = {
        "groups": [{
            "name": "dashboard-exprs",
            "rules": [
                {"record": f"dashboard:expr_{i}", "expr": substitute_grafana_macros(expr)}
                for i, (_, expr) in enumerate(EXPRESSIONS)
            ],
        }]
    }
    path = tmp_path / "dashboard_exprs.yml"
    path.write_text(yaml.safe_dump(rules, sort_keys=False))
    proc = run([promtool, "check", "rules", str(path)])
    if proc.returncode != 0:
        # Name the offending panels: the promtool message only has indexes.
        bad = []
        for i, (where, expr) in enumerate(EXPRESSIONS):
            one = tmp_path / f"expr_{i}.yml"
            one.write_text(yaml.safe_dump({"groups": [{"name": "one", "rules": [
                {"record": "dashboard:expr", "expr": substitute_grafana_macros(expr)}]}]}))
            p1 = run([promtool, "check", "rules", str(one)])
            if p1.returncode != 0:
                bad.append(f"{where}: {expr}\n{p1.stdout}{p1.stderr}")
        pytest.fail("dashboard expressions do not parse:\n" + "\n".join(bad or [proc.stdout + proc.stderr]))
    assert f"SUCCESS: {len(EXPRESSIONS)} rules found" in proc.stdout + proc.stderr


def test_promtool_catches_a_broken_expression(tmp_path):
    """The parse check above is only worth something if promtool rejects bad PromQL."""
    promtool = require_tool("promtool", "PROMTOOL")
    path = tmp_path / "broken.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "x", "rules": [
        {"record": "dashboard:broken", "expr": "sum by (feed (rate(newswire_articles_routed_total[1m]))"}]}]}))
    proc = run([promtool, "check", "rules", str(path)])
    assert proc.returncode != 0
