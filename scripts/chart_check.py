#!/usr/bin/env python3
"""Asserts what the Helm chart promises on manifests rendered by `helm template` (read from
stdin): the drain timing, probes, spool volume per replica, disruption budget, anti-affinity,
autoscaler, services, Redis wiring and the Secrets mounted at their fixed paths.

    helm template t deploy/helm/tidegate [-f values.yaml] | chart_check.py [--cluster-tls]
"""
import json
import re
import sys

import yaml

failures: list[str] = []


def check(condition: bool, what: str) -> None:
    print(("ok   " if condition else "FAIL ") + what)
    if not condition:
        failures.append(what)


def seconds(duration: str) -> int:
    match = re.fullmatch(r"(\d+)s", duration)
    return int(match.group(1)) if match else -1


def main() -> None:
    cluster_tls = "--cluster-tls" in sys.argv
    docs = [d for d in yaml.safe_load_all(sys.stdin) if d]
    by_kind: dict[str, list[dict]] = {}
    for doc in docs:
        by_kind.setdefault(doc["kind"], []).append(doc)
    print(f"rendered: {', '.join(f'{k} x{len(v)}' for k, v in sorted(by_kind.items()))}")

    (sts,) = by_kind["StatefulSet"]
    pod = sts["spec"]["template"]["spec"]
    (gateway,) = pod["containers"]
    (configmap,) = by_kind["ConfigMap"]
    config = json.loads(configmap["data"]["gateway.conf"])["tidegate"]
    env = {e["name"]: e for e in gateway["env"]}

    drain = seconds(config["shutdown"]["drain-timeout"])
    sleep = gateway["lifecycle"]["preStop"]["sleep"]["seconds"]
    grace = pod["terminationGracePeriodSeconds"]
    check(drain > 0 and grace > sleep + drain,
          f"grace period {grace}s outlasts preStop {sleep}s + drain {drain}s (shutdown.drain-timeout)")
    check(gateway["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "admin"}, "readiness probe on /readyz (admin port)")
    check(gateway["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "admin"}, "liveness probe on /healthz (admin port)")
    check(gateway["args"] == ["--config", "/etc/tidegate/gateway.conf"], "the gateway reads the rendered config file")
    mounts = {m["name"]: m["mountPath"] for m in gateway["volumeMounts"]}
    (claim,) = sts["spec"]["volumeClaimTemplates"]
    check(claim["metadata"]["name"] == "spool" and mounts.get("spool") == "/var/lib/tidegate"
          and config["resilience"]["spool"]["dir"].startswith("/var/lib/tidegate/"),
          "a persistent volume per replica holds the spool")
    check(sts["spec"]["persistentVolumeClaimRetentionPolicy"]["whenScaled"] == "Retain", "a scaled-down replica's spool is kept")
    check(env["TIDEGATE_GATEWAY_ID"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name", "the pod name is the gateway id")
    check(pod["securityContext"]["runAsNonRoot"] and gateway["securityContext"]["readOnlyRootFilesystem"], "non-root, read-only root file system")

    (pdb,) = by_kind["PodDisruptionBudget"]
    check(pdb["spec"]["maxUnavailable"] == 1, "the disruption budget lets one replica go at a time")
    selector = sts["spec"]["selector"]["matchLabels"]
    check(pdb["spec"]["selector"]["matchLabels"] == selector, "the budget selects the gateway pods")
    services = {s["metadata"]["name"]: s for s in by_kind["Service"]}
    headless = [s for s in services.values() if s["spec"].get("clusterIP") == "None"]
    check(len(headless) == 1 and sts["spec"]["serviceName"] == headless[0]["metadata"]["name"], "a headless service names the replicas")
    check(any(p["name"] == "grpc" and p.get("appProtocol") == "grpc" for s in services.values() for p in s["spec"]["ports"]),
          "a service exposes gRPC")

    affinity = pod["affinity"]["podAntiAffinity"]
    if cluster_tls:
        (hpa,) = by_kind["HorizontalPodAutoscaler"]
        metric = hpa["spec"]["metrics"][0]["resource"]
        check(metric["name"] == "cpu" and hpa["spec"]["scaleTargetRef"]["name"] == sts["metadata"]["name"],
              "the autoscaler scales the StatefulSet on CPU")
        check("replicas" not in sts["spec"], "the autoscaler, not the StatefulSet, owns the replica count")
        check("requiredDuringSchedulingIgnoredDuringExecution" in affinity, "hard anti-affinity")
        nodes = env["TIDEGATE_BACKEND_REDIS_CLUSTER_NODES"]["value"].split(",")
        check(len(nodes) == 3 and all(n.startswith("rediss://tidegate:$(TIDEGATE_REDIS_PASSWORD)@") for n in nodes),
              "Redis Cluster seed nodes over TLS, the password from its Secret")
        check(env["TIDEGATE_REDIS_PASSWORD"]["valueFrom"]["secretKeyRef"]["name"] == "redis-credentials", "the Redis password Secret")
        check(mounts.get("tls") == "/etc/tidegate/tls" and mounts.get("auth") == "/etc/tidegate/auth", "TLS and token Secrets mounted")
        volumes = {v["name"]: v for v in pod["volumes"]}
        check(volumes["tls"]["secret"]["secretName"] == "tidegate-tls" and volumes["auth"]["secret"]["secretName"] == "tidegate-tokens",
              "from the Secrets named in the values")
        security = config.get("security", {})
        check(security.get("tls", {}).get("client-ca-file") == "/etc/tidegate/tls/ca.crt"
              and security.get("auth", {}).get("tokens-file") == "/etc/tidegate/auth/tokens",
              "the security.* keys point at the mounted files")
    else:
        check("HorizontalPodAutoscaler" not in by_kind and sts["spec"]["replicas"] == 3, "3 replicas, no autoscaler by default")
        check("preferredDuringSchedulingIgnoredDuringExecution" in affinity, "soft anti-affinity by default")
        check(env["TIDEGATE_BACKEND_REDIS_URI"]["value"] == "redis://redis:6379", "one standalone Redis by default")
        check("security" not in config and "tls" not in mounts, "no security keys or Secrets unless asked for")

    if failures:
        sys.exit(f"{len(failures)} chart checks failed")
    print("chart checks passed")


if __name__ == "__main__":
    main()
