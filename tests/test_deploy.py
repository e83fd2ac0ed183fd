"""deploy/ stays valid and in step with the code: no Docker or services needed.

- deploy/compose.yaml validates against the Compose Specification schema (vendored in
  deploy/schema/, see its README for where it comes from);
- every environment variable compose gives a Village service is one the service reads
  (a `Settings` alias, `<SERVICE>_PORT` / `<SERVICE>_DATABASE_URL`, or one the image's
  entrypoint reads), and its port is the service's default port;
- every service runs as replicas behind the gateway, which publishes each service's port;
- the image leaves devstack and its embedded servers out;
- the OpenTelemetry collector config receives OTLP and has a traces pipeline.
"""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from pathlib import Path

import jsonschema
import pytest
import yaml

from village_console.config import ConsoleSettings
from village_console.web.config import WebSettings
from village_platform.settings import Settings
from village_webhooks.config import WebhookSettings

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "compose.yaml"
DOCKERFILE = DEPLOY / "Dockerfile"
ENTRYPOINT = DEPLOY / "entrypoint.sh"
HEALTHCHECK = DEPLOY / "healthcheck.py"
COLLECTOR = DEPLOY / "otel-collector.yaml"
GATEWAY = DEPLOY / "gateway.conf"
SCHEMA = DEPLOY / "schema" / "compose-spec.json"

# Each service's default port (DESIGN: one port per service, 8001 upward; the console 8000).
SERVICE_PORTS = {
    "console": 8000,
    "incidents": 8001,
    "escalation": 8002,
    "sla-monitor": 8003,
    "knowledge": 8004,
    "webhooks": 8005,
}
# Read by deploy/entrypoint.sh and deploy/healthcheck.py, not by Settings.
DEPLOY_VARS = {"VILLAGE_SERVICE", "VILLAGE_MIGRATE"}
# Services whose settings add to the platform's.
SERVICE_SETTINGS: dict[str, type[Settings]] = {
    "webhooks": WebhookSettings,
    "console": ConsoleSettings,
}
# Settings a service reads beside them (the console's pages: session key, OIDC client).
MORE_SETTINGS: dict[str, tuple[type, ...]] = {"console": (WebSettings,)}


def _compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def _village_services() -> dict[str, dict]:
    """Compose services that run the Village image, by their VILLAGE_SERVICE name."""
    found = {}
    for name, svc in _compose()["services"].items():
        env = svc.get("environment") or {}
        if isinstance(env, dict) and "VILLAGE_SERVICE" in env:
            found[name] = svc
    return found


def _prefix(service: str) -> str:
    return service.upper().replace("-", "_")


def _settings_env_names(service: str = "") -> set[str]:
    names = set()
    for settings in (SERVICE_SETTINGS.get(service, Settings), *MORE_SETTINGS.get(service, ())):
        for _name, field in settings.model_fields.items():
            if field.alias:
                names.add(field.alias)
    return names


def _dockerfile_sync_command() -> list[str]:
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    for line in text.splitlines():
        if "uv sync" in line:
            words = shlex.split(line)
            return words[words.index("uv") :]
    raise AssertionError("deploy/Dockerfile has no `uv sync`")


# --- (a) the Compose Specification --------------------------------------------------------


def test_compose_file_validates_against_compose_spec_schema():
    schema = json.loads(SCHEMA.read_text())
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft201909Validator)
    cls.check_schema(schema)
    errors = sorted(cls(schema).iter_errors(_compose()), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors
    )


def test_schema_rejects_a_broken_compose_file():
    """Guards against a schema that accepts anything (e.g. a wrong draft or empty file)."""
    schema = json.loads(SCHEMA.read_text())
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft201909Validator)
    broken = _compose()
    broken["services"]["incidents"]["depends_on"]["postgres"]["condition"] = "whenever"
    broken["services"]["incidents"]["helthcheck"] = {}
    assert len(list(cls(schema).iter_errors(broken))) >= 2


def test_schema_provenance_is_recorded():
    note = (DEPLOY / "schema" / "README.md").read_text()
    assert "docker-compose 1.29.2" in note
    assert (DEPLOY / "schema" / "LICENSE").read_text().lstrip().startswith("Apache License")


# --- (b) compose in step with the services -------------------------------------------------


def test_compose_runs_the_incidents_service():
    services = _village_services()
    assert "incidents" in services
    assert services["incidents"]["environment"]["VILLAGE_SERVICE"] == "incidents"


@pytest.mark.parametrize("name", sorted(_village_services()))
def test_every_compose_env_var_is_a_known_setting(name):
    svc = _village_services()[name]
    service = svc["environment"]["VILLAGE_SERVICE"]
    known = (
        _settings_env_names(service)
        | {f"{_prefix(service)}_PORT", f"{_prefix(service)}_DATABASE_URL"}
        | DEPLOY_VARS
    )
    unknown = set(svc["environment"]) - known
    assert not unknown, f"{name}: compose sets variables no service reads: {sorted(unknown)}"


def test_deploy_only_vars_are_read_by_the_image():
    scripts = ENTRYPOINT.read_text() + HEALTHCHECK.read_text()
    for var in DEPLOY_VARS:
        assert var in scripts


def _default_port_in_code(service: str) -> int | None:
    """The service's default port when its code names one (for_service literal or PORT)."""
    src = ROOT / "services" / service / "src"
    pattern = re.compile(
        r"for_service\(\s*[\"']" + re.escape(service) + r"[\"']\s*,\s*(?:port\s*=\s*)?(\d+)"
    )
    constant = re.compile(r"^(?:DEFAULT_)?PORT\s*(?::\s*int\s*)?=\s*(\d+)", re.MULTILINE)
    for path in sorted(src.rglob("*.py")) if src.exists() else ():
        text = path.read_text()
        if m := pattern.search(text) or constant.search(text):
            return int(m.group(1))
    return None


@pytest.mark.parametrize("name", sorted(_village_services()))
def test_compose_port_is_the_service_default_port(name):
    svc = _village_services()[name]
    service = svc["environment"]["VILLAGE_SERVICE"]
    default = SERVICE_PORTS[service]
    in_code = _default_port_in_code(service)
    if in_code is not None:
        assert in_code == default, f"{service}: code says {in_code}, deploy expects {default}"
    env_port = svc["environment"].get(f"{_prefix(service)}_PORT")
    assert env_port is not None and int(env_port) == default
    container_ports = {int(str(p).split(":")[-1].split("/")[0]) for p in svc.get("ports", [])}
    assert container_ports <= {default}, f"{name} publishes {container_ports}, not {default}"
    # The healthcheck script falls back to the same defaults.
    assert f'"{service}": {default}' in HEALTHCHECK.read_text()


@pytest.mark.parametrize("name", sorted(_village_services()))
def test_village_services_are_production_shaped(name):
    svc = _village_services()[name]
    env = svc["environment"]
    assert env["VILLAGE_ENV"] == "production"
    assert env["VILLAGE_HOST"] == "0.0.0.0"
    assert env["KAFKA_ENABLE_IDEMPOTENCE"] == "true"
    # Party tokens come from the identity provider; the services' own key from the environment:
    # compose refuses to start without them, and no development secret is configured.
    for required in ("VILLAGE_JWKS_URL", "VILLAGE_JWT_ISSUER", "VILLAGE_SERVICE_SECRET"):
        assert re.fullmatch(rf"\$\{{{required}:\?[^}}]*\}}", env[required]), required
    assert "VILLAGE_JWT_SECRET" not in env
    if env["VILLAGE_SERVICE"] == "webhooks":  # its signing secrets' keys: the operator's own too
        assert re.fullmatch(r"\$\{WEBHOOKS_SECRET_KEYS:\?[^}]*\}", env["WEBHOOKS_SECRET_KEYS"])
    assert "readyz" in HEALTHCHECK.read_text()
    assert svc["healthcheck"]["test"] == ["CMD", "village-healthcheck"]
    deps = svc["depends_on"]
    assert deps["postgres"]["condition"] == "service_healthy"
    assert deps["kafka"]["condition"] == "service_healthy"
    assert svc["build"]["dockerfile"] == "deploy/Dockerfile"


@pytest.mark.parametrize("name", sorted(_village_services()))
def test_every_service_runs_as_replicas_behind_the_gateway(name):
    svc = _village_services()[name]
    service = svc["environment"]["VILLAGE_SERVICE"]
    port = SERVICE_PORTS[service]
    assert svc["deploy"]["replicas"] >= 2
    # Two replicas cannot share a host port: only the gateway publishes one.
    assert "ports" not in svc
    gateway = _compose()["services"]["gateway"]
    assert f"{port}:{port}" in gateway["ports"]
    assert gateway["volumes"] == ["./gateway.conf:/etc/nginx/conf.d/default.conf:ro"]
    servers = re.findall(
        r"listen (\d+);\s+location / \{\s+set \$upstream ([\w-]+):(\d+);\s+"
        r"proxy_pass http://\$upstream;",
        GATEWAY.read_text(),
    )
    assert (str(port), name, str(port)) in servers
    assert len(servers) == len(SERVICE_PORTS)
    # Resolved at request time through Docker's DNS: every replica, and restarted ones.
    assert "resolver 127.0.0.11" in GATEWAY.read_text()


def test_compose_backing_services():
    services = _compose()["services"]
    assert services["postgres"]["image"].startswith("postgres:17")
    kafka = services["kafka"]
    assert kafka["image"].startswith("apache/kafka:")
    assert "controller" in kafka["environment"]["KAFKA_PROCESS_ROLES"]
    assert services["otel-collector"]["image"].startswith("otel/opentelemetry-collector-contrib:")
    assert services["jaeger"]["image"].startswith("jaegertracing/jaeger:2")
    assert "16686:16686" in services["jaeger"]["ports"]
    assert "x-village-service" in _compose()


def _devstack_only_packages() -> set[str]:
    """village-devstack's direct dependencies that no production package needs."""
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    deps = {p["name"]: [d["name"] for d in p.get("dependencies", [])] for p in lock["package"]}
    root_deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    production = set()
    stack = [d for d in root_deps if d != "village-devstack"]
    while stack:
        name = stack.pop()
        if name not in production:
            production.add(name)
            stack.extend(deps.get(name, []))
    return {"village-devstack"} | (set(deps["village-devstack"]) - production)


def test_dockerfile_leaves_devstack_out():
    cmd = _dockerfile_sync_command()
    assert "--frozen" in cmd and "--no-dev" in cmd
    excluded = {cmd[i + 1] for i, w in enumerate(cmd) if w == "--no-install-package"}
    missing = _devstack_only_packages() - excluded
    assert not missing, f"the image would install dev-only packages: {sorted(missing)}"
    assert "devstack/src" not in DOCKERFILE.read_text()


def test_dockerfile_runs_as_non_root_and_via_the_entrypoint():
    text = DOCKERFILE.read_text()
    assert text.startswith("# syntax=") and "python:3.11-slim" in text
    users = re.findall(r"^USER\s+(\S+)", text, re.MULTILINE)
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    assert 'ENTRYPOINT ["village-entrypoint"]' in text
    entry = ENTRYPOINT.read_text()
    assert "village-${service}" in entry and '"$cli" migrate' in entry
    assert ENTRYPOINT.stat().st_mode & 0o111


# --- (c) the OpenTelemetry collector --------------------------------------------------------


def test_collector_receives_otlp_and_exports_traces():
    config = yaml.safe_load(COLLECTOR.read_text())
    otlp = config["receivers"]["otlp"]
    assert {"grpc", "http"} <= set(otlp["protocols"])
    pipelines = config["service"]["pipelines"]
    traces = [p for name, p in pipelines.items() if name.split("/")[0] == "traces"]
    assert traces, "no traces pipeline"
    for pipeline in traces:
        assert "otlp" in pipeline["receivers"]
        assert pipeline["exporters"]
        for exporter in pipeline["exporters"]:
            assert exporter in config["exporters"]
        for processor in pipeline.get("processors", []):
            assert processor in config["processors"]
    # The services send OTLP/HTTP to the collector's 4318.
    assert otlp["protocols"]["http"]["endpoint"].endswith(":4318")
    assert any("jaeger" in str(e.get("endpoint", "")) for e in config["exporters"].values())
