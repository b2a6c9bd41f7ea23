"""Compose file, Kubernetes manifests and Dockerfile.

Needs Docker Compose v2 (`docker compose` plugin or `docker-compose` v2
binary; no Docker engine: `config` only parses and interpolates) and the
PyPI package kubernetes-validate (ships the Kubernetes JSON schemas, works
offline).  Missing -> FAIL.
"""

from __future__ import annotations

import ast
import json
import re

import pytest
import yaml

from ._helpers import (
    DEPLOY,
    K8S_DIR,
    PROMETHEUS_DIR,
    REPO_ROOT,
    assert_ok,
    compose_command,
    run,
)

COMPOSE_FILE = DEPLOY / "compose.yaml"
K8S_RESOURCE_FILES = ["configmap.yaml", "secret.yaml", "deployment.yaml", "service.yaml"]
# Oldest Kubernetes minor we promise to support, and the newest the
# validator knows.
K8S_VERSIONS = ["1.30.0", "latest"]


# ------------------------------------------------------------------ compose

@pytest.fixture(scope="module")
def compose_config() -> dict:
    cmd = compose_command()
    base = cmd + ["-f", str(COMPOSE_FILE)]
    assert_ok(run(base + ["config", "-q"]), "docker compose config -q")
    proc = run(base + ["config", "--format", "json"])
    assert_ok(proc, "docker compose config --format json")
    return json.loads(proc.stdout)


def test_compose_config_is_valid(compose_config):
    services = compose_config["services"]
    assert {"kafka", "worker-1", "worker-2", "replay", "prometheus", "grafana"} <= set(services)


def test_compose_ports_are_loopback_only(compose_config):
    for name, svc in compose_config["services"].items():
        for port in svc.get("ports", []):
            assert port.get("host_ip") == "127.0.0.1", f"{name} publishes {port} beyond loopback"


def test_compose_kafka_is_kraft_with_healthcheck(compose_config):
    kafka = compose_config["services"]["kafka"]
    assert kafka["image"].startswith("apache/kafka:")
    env = kafka["environment"]
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert "CONTROLLER" in env["KAFKA_CONTROLLER_LISTENER_NAMES"]
    assert "PLAINTEXT://kafka:9092" in env["KAFKA_ADVERTISED_LISTENERS"]
    assert kafka["healthcheck"]["test"]


def test_compose_workers_and_replayer(compose_config):
    services = compose_config["services"]
    for name in ("worker-1", "worker-2", "replay"):
        svc = services[name]
        assert svc["build"]["context"] == str(REPO_ROOT), f"{name} build context"
        assert svc["environment"]["NEWSWIRE_BROKER"] == "kafka:9092"
        assert svc["environment"]["NEWSWIRE_WEB_HOST"] == "0.0.0.0"
        assert svc["depends_on"]["kafka"]["condition"] == "service_healthy", name
    for name in ("worker-1", "worker-2"):
        assert services[name]["command"] == ["worker"]
    replay = services["replay"]["command"]
    assert replay[:2] == ["replay", "/app/seeds"]
    joined = " ".join(replay)
    for part in ("--loop", "--rate 5", "--metrics-port 9100", "--broker kafka:9092"):
        assert part in joined


def test_compose_prometheus_and_grafana_mounts(compose_config):
    services = compose_config["services"]
    prom = services["prometheus"]
    assert "--config.file=/etc/prometheus/prometheus.compose.yml" in prom["command"]
    sources = {v["source"]: v["target"] for v in prom["volumes"] if v["type"] == "bind"}
    assert sources.get(str(PROMETHEUS_DIR)) == "/etc/prometheus"
    graf = services["grafana"]
    sources = {v["source"]: v["target"] for v in graf["volumes"] if v["type"] == "bind"}
    assert sources.get(str(DEPLOY / "grafana" / "provisioning")) == "/etc/grafana/provisioning"
    dash_target = sources.get(str(DEPLOY / "grafana" / "newswire.json"))
    assert dash_target, "dashboard JSON not mounted into grafana"
    provider = yaml.safe_load((DEPLOY / "grafana/provisioning/dashboards/newswire.yaml").read_text())
    paths = [p["options"]["path"] for p in provider["providers"]]
    assert any(dash_target.startswith(p.rstrip("/") + "/") for p in paths), (dash_target, paths)


def test_compose_scrape_targets_are_compose_services(compose_config):
    services = set(compose_config["services"])
    cfg = yaml.safe_load((PROMETHEUS_DIR / "prometheus.compose.yml").read_text())
    for sc in cfg["scrape_configs"]:
        if not sc["job_name"].startswith("newswire-"):
            continue
        for st in sc["static_configs"]:
            for target in st["targets"]:
                host = target.rsplit(":", 1)[0]
                assert host in services, f"{sc['job_name']}: {target} is not a compose service"


# --------------------------------------------------------------- kubernetes

def _k8s_docs(name: str) -> list[dict]:
    return [d for d in yaml.safe_load_all((K8S_DIR / name).read_text()) if d]


def _validate(doc: dict, version: str) -> None:
    import kubernetes_validate

    if version == "latest":
        version = kubernetes_validate.latest_version()
    # strict: unknown fields are errors.  SchemaNotFoundError (unknown
    # kind/apiVersion) propagates and fails the test too.
    kubernetes_validate.validate(doc, version, strict=True)


@pytest.mark.parametrize("version", K8S_VERSIONS)
@pytest.mark.parametrize("filename", K8S_RESOURCE_FILES)
def test_k8s_manifest_validates_against_schema(filename, version):
    docs = _k8s_docs(filename)
    assert docs, f"{filename} is empty"
    for doc in docs:
        _validate(doc, version)


def test_k8s_validator_rejects_invalid_manifest():
    """Guard against a validator that passes everything (e.g. no schemas)."""
    import kubernetes_validate

    doc = _k8s_docs("deployment.yaml")[0]
    doc["spec"]["template"]["spec"]["containers"][0]["readinessProbez"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        _validate(doc, "latest")
    doc = _k8s_docs("deployment.yaml")[0]
    doc["spec"]["replicas"] = "two"
    with pytest.raises(kubernetes_validate.ValidationError):
        _validate(doc, "latest")


def test_kustomization_lists_every_manifest():
    kust = yaml.safe_load((K8S_DIR / "kustomization.yaml").read_text())
    assert kust["kind"] == "Kustomization"
    assert sorted(kust["resources"]) == sorted(K8S_RESOURCE_FILES)
    for res in kust["resources"]:
        assert (K8S_DIR / res).is_file(), res
    on_disk = {p.name for p in K8S_DIR.glob("*.yaml")} - {"kustomization.yaml"}
    assert on_disk == set(K8S_RESOURCE_FILES), f"unlisted manifests: {on_disk - set(K8S_RESOURCE_FILES)}"


def test_k8s_deployment_probes_env_and_security():
    (dep,) = _k8s_docs("deployment.yaml")
    (cm,) = _k8s_docs("configmap.yaml")
    (secret,) = _k8s_docs("secret.yaml")
    (svc,) = _k8s_docs("service.yaml")
    spec = dep["spec"]
    pod = spec["template"]["spec"]
    assert spec["replicas"] == 2
    (container,) = pod["containers"]

    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports == {"http": 6066}
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    for probe in ("livenessProbe", "readinessProbe"):
        assert container[probe]["httpGet"]["port"] in ("http", 6066)

    res = container["resources"]
    assert res["requests"]["cpu"] and res["requests"]["memory"]
    assert res["limits"]["cpu"] and res["limits"]["memory"]

    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] != 0
    assert container["securityContext"]["allowPrivilegeEscalation"] is False

    env = {e["name"]: e.get("value") for e in container.get("env", [])}
    assert env.get("NEWSWIRE_WEB_HOST") == "0.0.0.0"

    # The ConfigMap and the Secret are both loaded with envFrom...
    refs = container["envFrom"]
    assert {"configMapRef": {"name": cm["metadata"]["name"]}} in refs
    assert {"secretRef": {"name": secret["metadata"]["name"]}} in refs
    # ...and the password lives only in the Secret.
    assert "NEWSWIRE_SASL_PASSWORD" not in cm.get("data", {})
    assert not any("PASSWORD" in k for k in cm.get("data", {})), "credential inlined in the ConfigMap"
    assert "NEWSWIRE_SASL_PASSWORD" in {**secret.get("stringData", {}), **secret.get("data", {})}
    assert not any(e["name"] == "NEWSWIRE_SASL_PASSWORD" and "value" in e for e in container.get("env", []))
    assert "NEWSWIRE_BROKER" in cm["data"]
    # Placeholder credentials are marked as such.
    text = (K8S_DIR / "secret.yaml").read_text()
    assert "EXAMPLE" in text and "CHANGE-ME" in text

    ann = spec["template"]["metadata"]["annotations"]
    assert ann["prometheus.io/scrape"] == "true"
    assert ann["prometheus.io/port"] == "6066"
    assert ann.get("prometheus.io/path", "/metrics") == "/metrics"

    # The Service selects the Deployment's pods and exposes the metrics port.
    labels = spec["template"]["metadata"]["labels"]
    assert all(labels.get(k) == v for k, v in svc["spec"]["selector"].items())
    assert spec["selector"]["matchLabels"] == svc["spec"]["selector"]
    assert [p["port"] for p in svc["spec"]["ports"]] == [6066]


# --------------------------------------------------------------- Dockerfile

def _dockerfile_instructions() -> list[tuple[str, str]]:
    text = (REPO_ROOT / "Dockerfile").read_text()
    text = re.sub(r"\\\n", " ", text)
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        op, _, rest = line.partition(" ")
        out.append((op.upper(), rest.strip()))
    return out


def test_dockerfile():
    ins = _dockerfile_instructions()
    ops = [op for op, _ in ins]
    args = {op: [a for o, a in ins if o == op] for op in set(ops)}
    # a build stage compiles the wheel (streams/_scan.c) and checks it holds the extension; the image installs it
    assert args["FROM"] == ["python:3.11-slim AS build", "python:3.11-slim"]
    assert any(a.startswith("pip wheel") and "'_scan', '_classify'" in a for a in args["RUN"])
    assert "--from=build /wheels /tmp/wheels" in args["COPY"]
    assert any(a.startswith("pip install /tmp/wheels/") for a in args["RUN"])
    assert any(a.split()[0] == "seeds" and a.split()[-1] == "/app/seeds" for a in args["COPY"])
    assert "6066" in " ".join(args["EXPOSE"]).split()
    assert "NEWSWIRE_WEB_HOST=0.0.0.0" in " ".join(args["ENV"])
    assert json.loads(args["ENTRYPOINT"][-1]) == ["newswire"]
    assert json.loads(args["CMD"][-1]) == ["worker"]

    # Runs as a non-root user, set after the installation steps.
    user = args["USER"][-1].split(":")[0]
    assert user not in ("root", "0")
    assert ops.index("USER") > max(i for i, op in enumerate(ops) if op == "RUN")

    # HEALTHCHECK: exec form running python's urllib against /healthz; the
    # snippet must at least compile.
    (hc,) = args["HEALTHCHECK"]
    cmd = json.loads(hc[hc.index("CMD") + 3:].strip())
    assert cmd[:2] == ["python", "-c"]
    assert "urllib" in cmd[2] and "/healthz" in cmd[2]
    ast.parse(cmd[2])


def test_dockerignore_keeps_context_clean():
    lines = {
        ln.strip() for ln in (REPO_ROOT / ".dockerignore").read_text().splitlines()
        if ln.strip() and not ln.startswith("#")
    }
    for must in (".git", ".venv"):
        assert must in lines
    # What `pip wheel` and `COPY seeds` need must stay in the context; a local build of the extension must not.
    for keep in ("pyproject.toml", "setup.py", "streams", "seeds"):
        assert keep not in lines and f"/{keep}" not in lines, keep
    assert "streams/*.so" in lines


def test_compose_replay_healthcheck_is_python():
    # The replayer overrides the worker HEALTHCHECK: it has no /healthz.
    data = yaml.safe_load(COMPOSE_FILE.read_text())
    test = data["services"]["replay"]["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"]
    ast.parse(test[3])
    assert "9100" in test[3]
