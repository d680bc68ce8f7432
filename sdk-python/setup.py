"""The build hook of the ``tidegate`` package: every build generates the protobuf/gRPC stubs.

``egg_info`` and ``build_py`` (run by ``pip install``, ``pip install -e``, wheel and sdist builds)
compile the protos into ``src/tidegate/{v1,market}`` first, once per build process, so the
packages pyproject.toml lists exist and the wheel and an editable install both carry them. ``sdist`` also copies the protos into the archive (``proto/``), so a
wheel built from the sdist, away from the repository, finds them. Metadata is in pyproject.toml.
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.egg_info import egg_info
from setuptools.command.sdist import sdist

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate_stubs  # noqa: E402  (beside this file, not an installed module)


_generated = False


def _generate_once() -> None:
    global _generated
    if _generated:
        return
    try:
        protos = generate_stubs.generate(generate_stubs.default_proto_root(), generate_stubs.DEFAULT_OUT)
    except generate_stubs.StubError as e:
        raise SystemExit(f"tidegate build: cannot generate the protobuf stubs: {e}") from e
    print(f"tidegate build: generated the stubs of {len(protos)} protos", file=sys.stderr)
    _generated = True


class EggInfoWithStubs(egg_info):
    """``egg_info`` that first generates the stubs, so the generated packages exist when listed."""

    def run(self) -> None:
        _generate_once()
        super().run()


class BuildPyWithStubs(build_py):
    """``build_py`` that first generates the stubs into the source tree."""

    def run(self) -> None:
        _generate_once()
        super().run()


class SdistWithProtos(sdist):
    """``sdist`` that puts the protos into the archive, since they live outside this folder."""

    def make_release_tree(self, base_dir: str, files: list[str]) -> None:
        super().make_release_tree(base_dir, files)
        target = Path(base_dir) / "proto" / "tidegate"
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(generate_stubs.default_proto_root() / "tidegate", target)


setup(cmdclass={"egg_info": EggInfoWithStubs, "build_py": BuildPyWithStubs, "sdist": SdistWithProtos})
