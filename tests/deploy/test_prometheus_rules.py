"""Prometheus configuration, alerting/recording rules and their unit tests.

Needs `promtool` (Debian: apt-get install prometheus).  Missing -> FAIL.
"""

from __future__ import annotations

import re

import yaml

from ._helpers import (
    ALERT_NAMES,
    KNOWN_METRICS,
    PROMETHEUS_DIR,
    SCRAPE_JOBS,
    assert_ok,
    promql_metric_names,
    recording_rule_names,
    require_tool,
    run,
)

PROM_CONFIGS = ["prometheus.yml", "prometheus.compose.yml"]


def _rules() -> dict:
    return yaml.safe_load((PROMETHEUS_DIR / "rules.yml").read_text())


def _all_rules() -> list[dict]:
    return [r for g in _rules()["groups"] for r in g["rules"]]


def test_promtool_check_config():
    promtool = require_tool("promtool", "PROMTOOL")
    for name in PROM_CONFIGS:
        proc = run([promtool, "check", "config", str(PROMETHEUS_DIR / name)])
        assert_ok(proc, f"promtool check config {name}")
        assert "SUCCESS" in proc.stdout + proc.stderr


def test_promtool_check_rules():
    promtool = require_tool("promtool", "PROMTOOL")
    proc = run([promtool, "check", "rules", str(PROMETHEUS_DIR / "rules.yml")])
    assert_ok(proc, "promtool check rules rules.yml")
    assert "SUCCESS" in proc.stdout + proc.stderr


def test_promtool_test_rules():
    promtool = require_tool("promtool", "PROMTOOL")
    # Run from the rules directory: rule_files in rules_test.yml is relative.
    proc = run([promtool, "test", "rules", "rules_test.yml"], cwd=PROMETHEUS_DIR)
    assert_ok(proc, "promtool test rules rules_test.yml")
    assert "SUCCESS" in proc.stdout + proc.stderr


def test_scrape_configs_have_both_jobs_and_load_rules():
    for name in PROM_CONFIGS:
        cfg = yaml.safe_load((PROMETHEUS_DIR / name).read_text())
        jobs = {sc["job_name"]: sc for sc in cfg["scrape_configs"]}
        assert SCRAPE_JOBS <= set(jobs), f"{name}: jobs {sorted(jobs)}"
        assert cfg.get("rule_files") == ["rules.yml"], name
        for job in SCRAPE_JOBS:
            targets = [t for sc in jobs[job]["static_configs"] for t in sc["targets"]]
            assert targets, f"{name}: job {job} has no targets"
    local = yaml.safe_load((PROMETHEUS_DIR / "prometheus.yml").read_text())
    local_targets = {
        sc["job_name"]: [t for st in sc["static_configs"] for t in st["targets"]]
        for sc in local["scrape_configs"]
    }
    assert "127.0.0.1:6066" in local_targets["newswire-worker"]
    assert "127.0.0.1:9100" in local_targets["newswire-replay"]


def test_every_alert_is_defined_with_severity_and_annotations():
    alerts = {r["alert"]: r for r in _all_rules() if "alert" in r}
    missing = [a for a in ALERT_NAMES if a not in alerts]
    assert not missing, f"alerts missing from rules.yml: {missing}"
    for name in ALERT_NAMES:
        rule = alerts[name]
        assert rule["labels"]["severity"] in {"critical", "warning", "info"}, name
        for key in ("summary", "description", "runbook"):
            assert rule["annotations"].get(key), f"{name}: no {key} annotation"


def test_every_alert_fires_and_stays_silent_in_unit_tests():
    tests = yaml.safe_load((PROMETHEUS_DIR / "rules_test.yml").read_text())
    assert tests["rule_files"] == ["rules.yml"]
    fires: dict[str, int] = {a: 0 for a in ALERT_NAMES}
    silent: dict[str, int] = {a: 0 for a in ALERT_NAMES}
    for case in tests["tests"]:
        for check in case.get("alert_rule_test", []):
            name = check["alertname"]
            if name not in fires:
                continue
            if check.get("exp_alerts"):
                fires[name] += 1
            else:
                silent[name] += 1
    assert all(fires.values()), f"alerts never expected to fire: {[a for a, n in fires.items() if not n]}"
    assert all(silent.values()), f"alerts never expected to stay silent: {[a for a, n in silent.items() if not n]}"


def test_rules_use_only_known_metrics_and_jobs():
    recorded = recording_rule_names()
    for rule in _all_rules():
        name = rule.get("alert") or rule.get("record")
        unknown = promql_metric_names(rule["expr"]) - KNOWN_METRICS - recorded
        assert not unknown, f"rule {name} uses unknown series {sorted(unknown)}"
        for job in re.findall(r'job\s*=~?\s*"([^"]+)"', rule["expr"]):
            assert job in SCRAPE_JOBS, f"rule {name} selects unknown job {job!r}"


def test_metric_name_lexer():
    cases = {
        'up{job="newswire-worker"} == 0 or absent(up{job="newswire-worker"})': {"up"},
        "histogram_quantile(0.99, sum by (stage, le) (rate(newswire_stage_seconds_bucket[$__rate_interval])))":
            {"newswire_stage_seconds_bucket"},
        '(sum(increase(a_total[15m])) or vector(0)) == 0 and on () sum(b_total{x="y"} offset 5m) > 0':
            {"a_total", "b_total"},
        "deriv(newswire:consumer_lag:sum[10m]) > 0": {"newswire:consumer_lag:sum"},
        'sum without (instance) (rate(x[5m])) / ignoring(feed) group_left(le) y': {"x", "y"},
        '{__name__="foo_total", job="j"}': {"foo_total"},
        "max_over_time(deriv(z[5m])[30m:1m]) > 1e3": {"z"},
    }
    for expr, expected in cases.items():
        assert promql_metric_names(expr) == expected, expr
