"""deploy/k8s renders, validates against the Kubernetes schemas offline, and says what it must.

`kubectl kustomize` renders the base and the production overlay (kubectl: `make kubectl`);
`kubernetes-validate` checks every object against the Kubernetes OpenAPI schemas (strict:
an unknown field is an error). Then what a schema cannot know: probes on the right paths,
requests and limits everywhere, a migration Job, a PDB, an HPA and a NetworkPolicy per service,
secrets only by reference, settings the services read, and network policies that match the
HTTP calls compose wires (deploy/compose.yaml's `*_URL` per service).
"""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
from functools import cache

import kubernetes_validate
import pytest
import yaml
from test_deploy import (
    DEPLOY,
    DEPLOY_VARS,
    ROOT,
    SERVICE_PORTS,
    _prefix,
    _settings_env_names,
    _village_services,
)

K8S = DEPLOY / "k8s"
OPERATIONS = ROOT / "docs" / "operations.md"
RENDERS = ("base", "production")
# The oldest Kubernetes these manifests claim (topology spread matchLabelKeys: 1.27+) and the
# newest the validator knows.
VERSIONS = ("1.30", kubernetes_validate.latest_version())
SECRET_VARS = {
    "VILLAGE_SERVICE_SECRET",
    "VILLAGE_SERVICE_ACCEPTED_SECRETS",
    "VILLAGE_JWT_SECRET",
    "WEBHOOKS_SECRET_KEYS",
    "CONSOLE_SESSION_SECRET",
    "CONSOLE_OIDC_CLIENT_SECRET",
    "DATABASE_URL",
} | {f"{_prefix(s)}_DATABASE_URL" for s in SERVICE_PORTS}
# compose's URL variables name the service each one points at (nobody calls the console).
URL_VARS = {f"{_prefix(s)}_URL": s for s in SERVICE_PORTS if s != "console"}


@cache
def _render(name: str) -> tuple[dict, ...]:
    kubectl = shutil.which("kubectl")
    assert kubectl, "kubectl is missing: `make kubectl` installs it"
    out = subprocess.run(
        [kubectl, "kustomize", str(K8S / name)], check=True, capture_output=True, text=True
    ).stdout
    return tuple(doc for doc in yaml.safe_load_all(out) if doc)


def _objects(render: str, kind: str) -> dict[str, dict]:
    return {o["metadata"]["name"]: o for o in _render(render) if o["kind"] == kind}


def _pod_specs(render: str) -> list[tuple[str, dict]]:
    """(object name, pod spec) of every Deployment and Job."""
    return [
        (o["metadata"]["name"], o["spec"]["template"]["spec"])
        for o in _render(render)
        if o["kind"] in ("Deployment", "Job")
    ]


def _containers(spec: dict) -> list[dict]:
    return spec.get("initContainers", []) + spec["containers"]


def _env(container: dict) -> dict[str, dict]:
    return {e["name"]: e for e in container.get("env", [])}


def _server(render: str, service: str) -> dict:
    deployment = _objects(render, "Deployment")[service]
    (container,) = [c for c in deployment["spec"]["template"]["spec"]["containers"]]
    return container


def _selects(selector: dict, labels: dict) -> bool:
    return all(labels.get(k) == v for k, v in selector["matchLabels"].items())


def _pod_labels(render: str, service: str) -> dict:
    return _objects(render, "Deployment")[service]["spec"]["template"]["metadata"]["labels"]


# --- the Kubernetes schemas ----------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("render", RENDERS)
def test_every_object_validates_against_the_kubernetes_schemas(render, version):
    errors = []
    for obj in _render(render):
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            errors.append(f"{obj['kind']}/{obj['metadata']['name']}: {exc.message}")
    assert not errors, "\n".join(errors)


def test_the_validator_rejects_a_broken_deployment():
    """Guards against a validator that accepts anything (a missing schema, a lax mode)."""
    deployment = copy.deepcopy(_objects("base", "Deployment")["incidents"])
    kubernetes_validate.validate(deployment, VERSIONS[0], strict=True)
    deployment["spec"]["replicas"] = "two"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, VERSIONS[0], strict=True)
    deployment = copy.deepcopy(_objects("base", "Deployment")["incidents"])
    deployment["spec"]["template"]["spec"]["containers"][0]["livenesProbe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, VERSIONS[0], strict=True)


# --- what each service gets ----------------------------------------------------------------


@pytest.mark.parametrize("render", RENDERS)
@pytest.mark.parametrize("service", sorted(SERVICE_PORTS))
def test_every_deployment_probes_readyz_and_healthz_on_its_port(render, service):
    container = _server(render, service)
    port = SERVICE_PORTS[service]
    assert container["args"] == ["serve"]
    assert _env(container)["VILLAGE_SERVICE"]["value"] == service
    assert int(_env(container)[f"{_prefix(service)}_PORT"]["value"]) == port
    named = {p["name"]: p["containerPort"] for p in container["ports"]}
    for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")):
        get = container[probe]["httpGet"]
        assert get["path"] == path, f"{service} {probe}"
        assert named.get(get["port"], get["port"]) == port, f"{service} {probe} port"
    service_obj = _objects(render, "Service")[service]
    (service_port,) = service_obj["spec"]["ports"]
    assert service_port["port"] == port
    assert named[service_port["targetPort"]] == port
    assert _selects({"matchLabels": service_obj["spec"]["selector"]}, _pod_labels(render, service))


@pytest.mark.parametrize("render", RENDERS)
def test_every_container_has_requests_and_limits(render):
    missing = []
    for name, spec in _pod_specs(render):
        for container in _containers(spec):
            resources = container.get("resources", {})
            for part in ("requests", "limits"):
                for what in ("cpu", "memory"):
                    if what not in resources.get(part, {}):
                        missing.append(f"{name}/{container['name']}: {part}.{what}")
    assert not missing, missing
    assert len(_pod_specs(render)) == 2 * len(SERVICE_PORTS)


@pytest.mark.parametrize("render", RENDERS)
@pytest.mark.parametrize("service", sorted(SERVICE_PORTS))
def test_every_service_has_a_migration_job_a_pdb_and_an_hpa(render, service):
    job = _objects(render, "Job")[f"{service}-migrate"]
    (container,) = job["spec"]["template"]["spec"]["containers"]
    assert container["args"] == ["migrate"]
    assert _env(container)["VILLAGE_SERVICE"]["value"] == service
    assert f"{_prefix(service)}_DATABASE_URL" in _env(container)
    assert container["image"] == _server(render, service)["image"]

    labels = _pod_labels(render, service)
    pdbs = [p for p in _objects(render, "PodDisruptionBudget").values()]
    (pdb,) = [p for p in pdbs if _selects(p["spec"]["selector"], labels)]
    assert pdb["spec"].get("maxUnavailable") == 1 or pdb["spec"].get("minAvailable") == 1

    hpa = _objects(render, "HorizontalPodAutoscaler")[service]
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": service,
    }
    assert [m["resource"]["name"] for m in hpa["spec"]["metrics"]] == ["cpu"]
    assert 2 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
    # More consumers in a group than partitions stand idle.
    partitions = int(_config(render)["KAFKA_PARTITIONS"])
    assert hpa["spec"]["maxReplicas"] <= partitions


# --- secrets and settings ------------------------------------------------------------------


def _config(render: str) -> dict[str, str]:
    maps = _objects(render, "ConfigMap")
    (config,) = [o for name, o in maps.items() if name.startswith("village-config")]
    return config["data"]


def _config_maps_by_generated_name(render: str) -> dict[str, dict[str, str]]:
    return {n: o["data"] for n, o in _objects(render, "ConfigMap").items()}


@pytest.mark.parametrize("render", RENDERS)
def test_secrets_come_only_from_secret_objects(render):
    secrets = _objects(render, "Secret")
    if render == "base":
        assert not secrets, "the base holds no Secret: the operator creates them"
    for name, secret in secrets.items():
        assert not secret.get("data") and not secret.get("stringData"), name
    for name, data in _config_maps_by_generated_name(render).items():
        assert not SECRET_VARS & set(data), f"{name} holds secrets"
    referenced = set()
    for name, spec in _pod_specs(render):
        for container in _containers(spec):
            for var, entry in _env(container).items():
                if var in SECRET_VARS:
                    assert "value" not in entry, f"{name}: {var} is written out"
                    referenced.add(entry["valueFrom"]["secretKeyRef"]["name"])
    assert referenced == {
        "village-service-key",
        "village-webhooks-sealing",
        "village-console-session",
        "village-console-oidc",
    } | {f"village-{s}-database" for s in SERVICE_PORTS}


@pytest.mark.parametrize("render", RENDERS)
def test_every_variable_a_pod_gets_is_one_its_service_reads(render):
    maps = _config_maps_by_generated_name(render)
    for name, spec in _pod_specs(render):
        for container in _containers(spec):
            service = _env(container)["VILLAGE_SERVICE"]["value"]
            names = set(_env(container))
            for source in container.get("envFrom", []):
                names |= set(maps[source["configMapRef"]["name"]])
            known = (
                _settings_env_names(service)
                | {f"{_prefix(service)}_PORT", f"{_prefix(service)}_DATABASE_URL"}
                | DEPLOY_VARS
            )
            assert not names - known, f"{name}/{container['name']}: {sorted(names - known)}"


@pytest.mark.parametrize("render", RENDERS)
def test_kafka_settings_are_production_ones(render):
    config = _config(render)
    assert config["VILLAGE_ENV"] == "production"
    assert config["KAFKA_ENABLE_IDEMPOTENCE"] == "true"
    assert config["KAFKA_REPLICATION_FACTOR"] == "3"
    assert config["KAFKA_MIN_INSYNC_REPLICAS"] == "2"
    for var, service in URL_VARS.items():
        assert config[var] == f"http://{service}:{SERVICE_PORTS[service]}"


# --- network policies ----------------------------------------------------------------------


def _compose_calls() -> dict[str, set[str]]:
    """Whom each service calls over HTTP, as compose wires it (its `*_URL` variables)."""
    return {
        svc["environment"]["VILLAGE_SERVICE"]: {
            URL_VARS[var] for var in svc["environment"] if var in URL_VARS
        }
        for svc in _village_services().values()
    }


def _peers(rules: list[dict], key: str) -> set[tuple[str, int | str]]:
    """(Village service, port) for each Village pod a rule lets in (`from`) or out to (`to`)."""
    found = set()
    for rule in rules:
        for peer in rule.get(key, []):
            labels = peer.get("podSelector", {}).get("matchLabels", {})
            if "namespaceSelector" not in peer and "app.kubernetes.io/name" in labels:
                found |= {(labels["app.kubernetes.io/name"], p["port"]) for p in rule["ports"]}
    return found


@pytest.mark.parametrize("render", RENDERS)
def test_network_policies_let_only_the_http_calls_the_services_make(render):
    policies = _objects(render, "NetworkPolicy")
    calls = _compose_calls()
    assert set(calls) == set(SERVICE_PORTS)
    assert calls["escalation"] == {"incidents", "sla-monitor"}  # guards the compose reading
    for service in SERVICE_PORTS:
        labels = _pod_labels(render, service)
        own = [p for p in policies.values() if _selects(p["spec"]["podSelector"], labels)]
        (policy,) = [p for p in own if p["metadata"]["name"] == service]
        assert set(policy["spec"]["policyTypes"]) == {"Ingress", "Egress"}
        egress = _peers(policy["spec"].get("egress", []), "to")
        assert egress == {(callee, SERVICE_PORTS[callee]) for callee in calls[service]}, service
        callers = {s for s, callees in calls.items() if service in callees}
        # In: on the container's port, named `http` (the probes' test checks it is the port).
        assert _peers(policy["spec"]["ingress"], "from") == {(c, "http") for c in callers}
        # Beside its own: the shared policies (DNS, PostgreSQL, Kafka...), which let no
        # Village pod in and call no Village service.
        for other in own:
            if other is not policy:
                assert not _peers(other["spec"].get("ingress", []), "from")
                assert not _peers(other["spec"].get("egress", []), "to")
    shared = policies["village-pods"]["spec"]
    assert shared["podSelector"]["matchLabels"] == {"app.kubernetes.io/part-of": "village"}
    assert set(shared["policyTypes"]) == {"Ingress", "Egress"} and not shared["ingress"]
    ports = {p["port"] for rule in shared["egress"] for p in rule["ports"]}
    assert ports == {53, 5432}
    servers = policies["village-servers"]["spec"]["egress"]
    assert {p["port"] for rule in servers for p in rule["ports"]} == {9092, 4318, 443}
    # Migration Jobs are Village pods too: the shared policy covers them.
    for job in _objects(render, "Job").values():
        assert _selects(shared["podSelector"], job["spec"]["template"]["metadata"]["labels"])


# --- the production overlay ----------------------------------------------------------------


def _quantity(value: str | int) -> float:
    text = str(value)
    units = {"m": 1e-3, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30}
    for unit, factor in units.items():
        if text.endswith(unit):
            return float(text.removesuffix(unit)) * factor
    return float(text)


@pytest.mark.parametrize("service", sorted(SERVICE_PORTS))
def test_production_runs_more_and_bigger_replicas_of_a_pinned_image(service):
    base = _objects("base", "Deployment")[service]
    prod = _objects("production", "Deployment")[service]
    assert prod["metadata"]["namespace"] == "village"
    assert prod["spec"]["replicas"] > base["spec"]["replicas"]
    hpa = _objects("production", "HorizontalPodAutoscaler")[service]
    assert hpa["spec"]["minReplicas"] >= prod["spec"]["replicas"]
    assert (
        hpa["spec"]["maxReplicas"]
        > _objects("base", "HorizontalPodAutoscaler")[service]["spec"]["maxReplicas"]
    )
    old, new = _server("base", service)["resources"], _server("production", service)["resources"]
    assert _quantity(new["limits"]["memory"]) > _quantity(old["limits"]["memory"])
    assert _quantity(new["requests"]["cpu"]) > _quantity(old["requests"]["cpu"])
    for part in ("cpu", "memory"):
        assert _quantity(new["requests"][part]) <= _quantity(new["limits"][part])
    images = {c["image"] for _, spec in _pod_specs("production") for c in _containers(spec)}
    (image,) = images
    repository, _, tag = image.rpartition(":")
    assert "/" in repository and tag and tag != "latest", image


# --- docs/operations.md in step ------------------------------------------------------------


def test_operations_doc_names_every_secret_the_manifests_reference():
    doc = OPERATIONS.read_text()
    for _name, spec in _pod_specs("production"):
        for container in _containers(spec):
            for entry in _env(container).values():
                ref = entry.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    generic = "village-<service>-database"
                    documented = re.sub(r"^village-[a-z-]+-database$", generic, ref["name"])
                    assert f"`{documented}`" in doc, ref["name"]
                    assert f"`{ref['key']}`" in doc, ref


def test_operations_doc_names_the_consumer_groups_the_code_uses():
    from village_console import consumer as console
    from village_escalation import consumer as escalation
    from village_knowledge import consumer as knowledge
    from village_sla_monitor import consumer as sla
    from village_webhooks import consumer as webhooks
    from village_webhooks.config import WebhookSettings

    settings = WebhookSettings(VILLAGE_ENV="development")
    groups = {sla.NAME, escalation.NAME, escalation.SLA_NAME, knowledge.NAME}
    groups |= {webhooks.consumer_name(settings, t) for t in webhooks.TOPICS}
    groups |= {console.consumer_name(t) for t in console.TOPICS}
    text = " ".join(OPERATIONS.read_text().split())
    listed = text.split("Their group ids are the consumer names:", 1)[1]
    listed = listed.split("each behind", 1)[0]
    assert set(re.findall(r"`([a-z-]+)`", listed)) - {"WEBHOOKS_CONSUMER_PREFIX"} == groups
