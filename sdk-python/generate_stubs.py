#!/usr/bin/env python3
"""Generates the Python gRPC/protobuf stubs of the Tidegate contract (a build step).

The .proto files live under ``tidegate/v1`` and ``tidegate/market/v1``, and this package is
named ``tidegate`` too, so generating into ``src/`` gives ``tidegate.v1.gateway_pb2`` and
``tidegate.market.v1.data_pb2`` with protoc's own imports working unchanged. ``setup.py`` runs
this on every build (``pip install``, ``pip install -e``, wheel, sdist); the generated folders
(src/tidegate/v1, src/tidegate/market) are gitignored; never edit them by hand.

The protos come from the repository (``../proto/src/main/proto``) or, in an sdist, from the copy
in ``proto/`` that the sdist build puts there.

Usage: python generate_stubs.py [--proto-root DIR] [--out DIR]   (needs grpcio-tools)
"""
from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_PROTO_ROOT = HERE.parent / "proto" / "src" / "main" / "proto"
SDIST_PROTO_ROOT = HERE / "proto"
DEFAULT_OUT = HERE / "src"
GENERATED_PACKAGES = ("tidegate/v1", "tidegate/market")


class StubError(RuntimeError):
    """The stubs could not be generated; the message says what to fix."""


def default_proto_root() -> Path:
    """The repository's protos when building from a clone, else the copy an sdist carries."""
    for root in (REPO_PROTO_ROOT, SDIST_PROTO_ROOT):
        if (root / "tidegate").is_dir():
            return root
    raise StubError(f"no .proto files: neither {REPO_PROTO_ROOT} (a clone) nor {SDIST_PROTO_ROOT} (an sdist) "
                    "has a tidegate/ folder")


def generate(proto_root: Path, out: Path) -> list[str]:
    """Compiles every .proto under ``proto_root/tidegate`` into ``out``; returns the protos compiled."""
    try:
        import grpc_tools
        from grpc_tools import protoc
    except ImportError as e:
        raise StubError("grpcio-tools is missing; pip install 'grpcio-tools>=1.85.1,<2'") from e
    root, out = proto_root.resolve(), out.resolve()
    protos = sorted(p.relative_to(root).as_posix() for p in (root / "tidegate").rglob("*.proto"))
    if not protos:
        raise StubError(f"no .proto files under {root}/tidegate")
    for pkg in GENERATED_PACKAGES:
        shutil.rmtree(out / pkg, ignore_errors=True)
    well_known = Path(grpc_tools.__file__).parent / "_proto"
    rc = protoc.main(["grpc_tools.protoc", f"-I{root}", f"-I{well_known}", f"--python_out={out}",
                      f"--pyi_out={out}", f"--grpc_python_out={out}", *protos])
    if rc != 0:
        raise StubError(f"protoc failed with exit code {rc}")
    # protoc writes modules, not packages: add __init__.py to every generated folder.
    for pkg in GENERATED_PACKAGES:
        for d in [out / pkg, *(p for p in (out / pkg).rglob("*") if p.is_dir())]:
            (d / "__init__.py").touch()
    return protos


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--proto-root", type=Path)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    try:
        protos = generate(args.proto_root or default_proto_root(), args.out)
    except StubError as e:
        print(f"generate_stubs: {e}", file=sys.stderr)
        return 2
    print(f"generate_stubs: {len(protos)} protos -> {args.out}/{{{','.join(GENERATED_PACKAGES)}}}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
