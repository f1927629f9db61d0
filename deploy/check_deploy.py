#!/usr/bin/env python3
"""Checks of deploy/ that need no cluster, no container engine and no network.

Usage: check_deploy.py PATH_TO_DRAAGVLAK_SERVER_BINARY   (run by scripts/check-deploy.sh)

- Every DRAAGVLAK_* variable the files set is one the server knows (read from its --help), so a
  renamed flag cannot leave a deployment silently on a default.
- Kubernetes manifests: each document parses and has the keys its kind needs; the Deployment
  runs one replica with the Recreate strategy (SQLite has one writer), probes /readyz and
  /healthz on a named port, has resource requests and a non-root security context, mounts the
  volume where DRAAGVLAK_DATA_DIR points; the Service, Ingress and PodDisruptionBudget point at
  what exists; the Ingress keeps WebSockets open longer than the server's idle timeout.
- Compose: the same for the single-node file.
- Dockerfile: multi-stage, non-root user, a /readyz health check, a data volume, exec-form
  entrypoint.
- Grafana dashboard: valid JSON (its metric names are checked by tests/tests/metrics.rs).
"""

import json
import pathlib
import re
import subprocess
import sys

import yaml

DEPLOY = pathlib.Path(__file__).resolve().parent
# Variables of the compose file and the Caddyfile themselves, not of the server.
NOT_SERVER_VARS = {"DRAAGVLAK_DOMAIN", "DRAAGVLAK_UPSTREAM"}
# The server's idle timeout default (seconds): proxies must keep WebSockets open longer.
IDLE_TIMEOUT = 60

API_VERSIONS = {
    "Namespace": "v1",
    "Secret": "v1",
    "PersistentVolumeClaim": "v1",
    "Service": "v1",
    "Deployment": "apps/v1",
    "Ingress": "networking.k8s.io/v1",
    "PodDisruptionBudget": "policy/v1",
    "Kustomization": "kustomize.config.k8s.io/v1beta1",
}

errors = []


def fail(where, message):
    errors.append(f"{where}: {message}")


def server_vars(binary):
    out = subprocess.run([binary, "--help"], capture_output=True, text=True, check=True).stdout
    found = set(re.findall(r"env: (DRAAGVLAK_[A-Z_]+)[=\]]", out))
    for sub in re.findall(r"^  ([a-z][a-z-]+)\s", out.split("Commands:")[-1].split("Options:")[0], re.M):
        if sub == "help":
            continue
        sub_out = subprocess.run([binary, sub, "--help"], capture_output=True, text=True).stdout
        found |= set(re.findall(r"env: (DRAAGVLAK_[A-Z_]+)[=\]]", sub_out))
    if "DRAAGVLAK_LISTEN" not in found:
        fail("server --help", "lists no DRAAGVLAK_LISTEN; cannot check variable names")
    return found


def check_vars(known):
    for path in sorted(DEPLOY.rglob("*")):
        if not path.is_file() or path.suffix in {".py", ".json"}:
            continue
        for name in set(re.findall(r"DRAAGVLAK_[A-Z_]+", path.read_text())):
            if name not in known and name not in NOT_SERVER_VARS:
                fail(path.relative_to(DEPLOY), f"{name} is not a variable the server reads")


def dig(doc, *keys):
    for key in keys:
        if isinstance(doc, list) and isinstance(key, int) and key < len(doc):
            doc = doc[key]
        elif isinstance(doc, dict) and key in doc:
            doc = doc[key]
        else:
            return None
    return doc


def check_kubernetes():
    folder = DEPLOY / "kubernetes"
    docs = {}
    for path in sorted(folder.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc is None:
                continue
            where = path.name
            kind = doc.get("kind")
            if kind not in API_VERSIONS:
                fail(where, f"unknown kind {kind!r}")
                continue
            if doc.get("apiVersion") != API_VERSIONS[kind]:
                fail(where, f"{kind} needs apiVersion {API_VERSIONS[kind]}, not {doc.get('apiVersion')}")
            if kind != "Kustomization" and not dig(doc, "metadata", "name"):
                fail(where, f"{kind} has no metadata.name")
            docs.setdefault(kind, []).append((where, doc))

    for where, k in docs.get("Kustomization", []):
        for resource in k.get("resources", []):
            if not (folder / resource).is_file():
                fail(where, f"resource {resource} does not exist")

    deployments = docs.get("Deployment", [])
    if len(deployments) != 1:
        fail("kubernetes", "expected exactly one Deployment")
        return
    where, d = deployments[0]
    spec = d.get("spec", {})
    if spec.get("replicas") != 1:
        fail(where, "SQLite has one writer: replicas must be 1")
    if dig(spec, "strategy", "type") != "Recreate":
        fail(where, "strategy must be Recreate (never two pods on one database)")
    selector = dig(spec, "selector", "matchLabels") or {}
    labels = dig(spec, "template", "metadata", "labels") or {}
    if not selector or any(labels.get(k) != v for k, v in selector.items()):
        fail(where, "selector.matchLabels must match the pod template's labels")
    pod = dig(spec, "template", "spec") or {}
    if (pod.get("terminationGracePeriodSeconds") or 30) < 15:
        fail(where, "terminationGracePeriodSeconds must leave time for the drain (>= 15)")
    if dig(pod, "securityContext", "runAsNonRoot") is not True:
        fail(where, "the pod must run as non-root")
    containers = pod.get("containers") or []
    if len(containers) != 1:
        fail(where, "expected one container")
        return
    c = containers[0]
    for key in ("name", "image"):
        if not c.get(key):
            fail(where, f"container has no {key}")
    port_names = {p.get("name") for p in c.get("ports", [])}
    for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz"), ("startupProbe", "/readyz")):
        if dig(c, probe, "httpGet", "path") != path:
            fail(where, f"{probe} must GET {path}")
        if dig(c, probe, "httpGet", "port") not in port_names:
            fail(where, f"{probe} uses a port the container does not name")
    for res in ("cpu", "memory"):
        if not dig(c, "resources", "requests", res):
            fail(where, f"no resources.requests.{res}")
    if dig(c, "securityContext", "allowPrivilegeEscalation") is not False:
        fail(where, "allowPrivilegeEscalation must be false")
    env = {e["name"]: e for e in c.get("env", [])}
    data_dir = dig(env, "DRAAGVLAK_DATA_DIR", "value")
    mounts = {m.get("mountPath"): m.get("name") for m in c.get("volumeMounts", [])}
    if data_dir not in mounts:
        fail(where, f"DRAAGVLAK_DATA_DIR ({data_dir}) is not a mounted volume")
    listen = dig(env, "DRAAGVLAK_LISTEN", "value") or ""
    if not listen.startswith("0.0.0.0:"):
        fail(where, "DRAAGVLAK_LISTEN must listen on all interfaces inside the pod")
    volumes = {v.get("name"): v for v in pod.get("volumes", [])}
    pvc_names = {dig(p, "metadata", "name") for _, p in docs.get("PersistentVolumeClaim", [])}
    for name in mounts.values():
        claim = dig(volumes, name, "persistentVolumeClaim", "claimName")
        if name not in volumes:
            fail(where, f"volumeMount {name} has no volume")
        elif claim is not None and claim not in pvc_names:
            fail(where, f"claim {claim} is not defined")
    secret_names = {dig(s, "metadata", "name") for _, s in docs.get("Secret", [])}
    for e in env.values():
        ref = dig(e, "valueFrom", "secretKeyRef", "name")
        if ref is not None and ref not in secret_names:
            fail(where, f"secret {ref} is not defined (not even as an example)")

    services = {}
    for swhere, s in docs.get("Service", []):
        sel = dig(s, "spec", "selector") or {}
        if not sel or any(labels.get(k) != v for k, v in sel.items()):
            fail(swhere, "selector does not match the Deployment's pods")
        ports = {}
        for p in dig(s, "spec", "ports") or []:
            if p.get("targetPort") not in port_names:
                fail(swhere, f"targetPort {p.get('targetPort')} is not a container port name")
            ports[p.get("name")] = p
        services[dig(s, "metadata", "name")] = ports

    for iwhere, i in docs.get("Ingress", []):
        notes = dig(i, "metadata", "annotations") or {}
        for key in ("proxy-read-timeout", "proxy-send-timeout"):
            value = notes.get(f"nginx.ingress.kubernetes.io/{key}")
            if value is None or int(value) <= IDLE_TIMEOUT:
                fail(iwhere, f"{key} must be longer than the idle timeout ({IDLE_TIMEOUT} s)")
        if not dig(i, "spec", "tls"):
            fail(iwhere, "no TLS section")
        for rule in dig(i, "spec", "rules") or []:
            for path in dig(rule, "http", "paths") or []:
                svc = dig(path, "backend", "service", "name")
                port = dig(path, "backend", "service", "port", "name")
                if svc not in services:
                    fail(iwhere, f"backend service {svc} is not defined")
                elif port not in services[svc]:
                    fail(iwhere, f"service {svc} has no port {port}")

    pdbs = docs.get("PodDisruptionBudget", [])
    if not pdbs:
        fail("kubernetes", "no PodDisruptionBudget")
    for pwhere, p in pdbs:
        sel = dig(p, "spec", "selector", "matchLabels") or {}
        if not sel or any(labels.get(k) != v for k, v in sel.items()):
            fail(pwhere, "selector does not match the Deployment's pods")
        if "minAvailable" not in p.get("spec", {}) and "maxUnavailable" not in p.get("spec", {}):
            fail(pwhere, "needs minAvailable or maxUnavailable")


def check_compose():
    path = DEPLOY / "compose" / "single-node.yaml"
    where = "compose/single-node.yaml"
    doc = yaml.safe_load(path.read_text())
    services = doc.get("services") or {}
    s = services.get("draagvlak")
    if not s:
        fail(where, "no draagvlak service")
        return
    context = (path.parent / dig(s, "build", "context")).resolve()
    if not (context / dig(s, "build", "dockerfile")).is_file():
        fail(where, "build.dockerfile does not exist relative to build.context")
    env = s.get("environment") or {}
    data_dir = env.get("DRAAGVLAK_DATA_DIR")
    targets = {}
    for v in s.get("volumes", []):
        source, target = v.split(":")[:2]
        targets[target] = source
    if data_dir not in targets:
        fail(where, f"DRAAGVLAK_DATA_DIR ({data_dir}) is not a volume")
    named = set((doc.get("volumes") or {}).keys())
    for svc in services.values():
        for v in svc.get("volumes", []):
            source = v.split(":")[0]
            if source.startswith((".", "/")):
                if not (path.parent / source).exists():
                    fail(where, f"bind mount {source} does not exist")
            elif source not in named:
                fail(where, f"volume {source} is not declared")
    if "/readyz" not in " ".join(dig(s, "healthcheck", "test") or []):
        fail(where, "the health check must ask /readyz")
    if s.get("stop_signal") != "SIGTERM":
        fail(where, "stop_signal must be SIGTERM")


def check_dockerfile():
    where = "Dockerfile"
    text = (DEPLOY / "Dockerfile").read_text()
    lines = [l.strip() for l in text.splitlines() if l.strip() and not l.strip().startswith("#")]
    if sum(1 for l in lines if l.startswith("FROM ")) < 2:
        fail(where, "must be multi-stage")
    users = [l.split()[1] for l in lines if l.startswith("USER ")]
    if not users or users[-1].split(":")[0] in {"0", "root"}:
        fail(where, "the runtime stage must set a non-root USER")
    if not any(l.startswith("VOLUME") for l in lines):
        fail(where, "no data VOLUME")
    if "/readyz" not in text or "HEALTHCHECK" not in text:
        fail(where, "no HEALTHCHECK on /readyz")
    entry = [l for l in lines if l.startswith("ENTRYPOINT")]
    if not entry or not entry[-1].split(None, 1)[1].startswith("["):
        fail(where, "ENTRYPOINT must be exec form (the server must get SIGTERM itself)")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    check_vars(server_vars(sys.argv[1]))
    check_kubernetes()
    check_compose()
    check_dockerfile()
    json.loads((DEPLOY / "grafana" / "draagvlak.json").read_text())
    for e in errors:
        print(e)
    if errors:
        sys.exit(1)
    print("deploy/: kubernetes, compose, Dockerfile, dashboard and variable names are consistent")


if __name__ == "__main__":
    main()
