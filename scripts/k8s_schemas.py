#!/usr/bin/env python3
"""Unpacks the Kubernetes JSON schemas that the PyPI package kubernetes-validate ships into a
directory kubeconform reads offline (its default source, a GitHub repository, is not reachable
from every build machine).

The package's schemas carry an absolute $id (https://kubernetes.io/api/...) and refer to their
shared definitions as /api/_definitions.json; both are rewritten to plain relative file
references, the content is left as it is.

    k8s_schemas.py WHEEL KUBERNETES_VERSION OUT_DIR
writes OUT_DIR/v<version>-local{,-strict}/<kind>-<group>-<version>.json
"""
import json
import os
import sys
import zipfile

PREFIX = "kubernetes_validate/kubernetes-json-schema/"
SHARED = "/api/_definitions.json"


def relativize(node):
    if isinstance(node, dict):
        node.pop("$id", None)
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(SHARED):
            node["$ref"] = "_definitions.json" + ref[len(SHARED):]
        for value in node.values():
            relativize(value)
    elif isinstance(node, list):
        for value in node:
            relativize(value)


def main(wheel: str, version: str, out: str) -> None:
    wanted = tuple(f"{PREFIX}v{version}-local{suffix}/" for suffix in ("", "-strict"))
    count = 0
    with zipfile.ZipFile(wheel) as archive:
        for name in archive.namelist():
            if not name.startswith(wanted) or not name.endswith(".json"):
                continue
            schema = json.loads(archive.read(name))
            relativize(schema)
            target = os.path.join(out, name[len(PREFIX):])
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "w") as f:
                json.dump(schema, f)
            count += 1
    if count == 0:
        sys.exit(f"no schemas for Kubernetes {version} in {wheel}")
    print(f"{count} schemas for Kubernetes {version} in {out}")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
