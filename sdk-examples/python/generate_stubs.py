#!/usr/bin/env python3
"""Generates the Python gRPC/protobuf stubs from ../../proto into src/ (a build step).

The .proto files live under ``tidegate/v1`` and ``tidegate/market/v1``, and this package is
named ``tidegate`` too, so generating into ``src/`` gives ``tidegate.v1.gateway_pb2`` and
``tidegate.market.v1.data_pb2`` with protoc's own imports working unchanged. The generated
folders (src/tidegate/v1, src/tidegate/market) are gitignored; never edit them by hand.

Usage: python generate_stubs.py [--proto-root DIR] [--out DIR]   (needs grpcio-tools)
"""
from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_PROTO_ROOT = HERE.parent.parent / "proto" / "src" / "main" / "proto"
DEFAULT_OUT = HERE / "src"
GENERATED_PACKAGES = ("tidegate/v1", "tidegate/market")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--proto-root", type=Path, default=DEFAULT_PROTO_ROOT)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    try:
        import grpc_tools
        from grpc_tools import protoc
    except ImportError:
        print("generate_stubs: grpcio-tools is missing; pip install 'tidegate[codegen]'", file=sys.stderr)
        return 2

    root: Path = args.proto_root.resolve()
    out: Path = args.out.resolve()
    protos = sorted(p.relative_to(root).as_posix() for p in (root / "tidegate").rglob("*.proto"))
    if not protos:
        print(f"generate_stubs: no .proto files under {root}/tidegate", file=sys.stderr)
        return 2
    for pkg in GENERATED_PACKAGES:
        shutil.rmtree(out / pkg, ignore_errors=True)
    well_known = Path(grpc_tools.__file__).parent / "_proto"
    cmd = [
        "grpc_tools.protoc",
        f"-I{root}",
        f"-I{well_known}",
        f"--python_out={out}",
        f"--pyi_out={out}",
        f"--grpc_python_out={out}",
        *protos,
    ]
    rc = protoc.main(cmd)
    if rc != 0:
        print(f"generate_stubs: protoc failed with exit code {rc}", file=sys.stderr)
        return rc
    # protoc writes modules, not packages: add __init__.py to every generated folder.
    for pkg in GENERATED_PACKAGES:
        for d in [out / pkg, *(p for p in (out / pkg).rglob("*") if p.is_dir())]:
            (d / "__init__.py").touch()
    print(f"generate_stubs: {len(protos)} protos -> {out}/{{{','.join(GENERATED_PACKAGES)}}}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
