"""Fixtures of the end-to-end tests: the prerequisites (a missing one fails, never skips) and the
processes of a test (always stopped, also on failure or SIGTERM)."""
from __future__ import annotations

import os
import shutil
import signal
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from procs import Processes

REPO = Path(__file__).resolve().parents[1]
PYTHON_DIR = REPO / "sdk-examples" / "python"
RUST_DIR = REPO / "sdk-examples" / "rust"


def _fail_unless_file(path: Path, what: str, how: str) -> Path:
    if not path.is_file():
        pytest.fail(f"{what} not found at {path}: {how}", pytrace=False)
    return path


def _java() -> str:
    home = os.environ.get("JAVA_HOME")
    java = str(Path(home) / "bin" / "java") if home else shutil.which("java")
    if not java or not Path(java).is_file():
        pytest.fail("java not found (JAVA_HOME or PATH)", pytrace=False)
    return java


@dataclass
class Prerequisites:
    java: str
    gateway_jar: Path
    classpath: str
    exec_bin: Path
    redis_server: str


@pytest.fixture(scope="module")
def prereq() -> Prerequisites:
    jar = _fail_unless_file(Path(os.environ.get("TIDEGATE_GATEWAY_JAR",
                                                REPO / "gateway/target/tidegate-gateway-0.1.0-SNAPSHOT-all.jar")),
                            "gateway jar", "build it with ./mvnw -B -pl gateway -am package -DskipTests")
    cp_file = _fail_unless_file(Path(os.environ.get("TIDEGATE_EXAMPLES_CLASSPATH",
                                                    REPO / "sdk-examples/java/target/e2e-classpath.txt")),
                                "sdk-examples/java classpath file", "e2e/run-e2e.sh writes it (mvn dependency:build-classpath)")
    classes = REPO / "sdk-examples/java/target/classes"
    _fail_unless_file(classes / "io/tidegate/examples/CrossingStrategy.class", "CrossingStrategy class",
                      "compile sdk-examples/java (e2e/run-e2e.sh does)")
    exec_bin = _fail_unless_file(Path(os.environ.get("TIDEGATE_EXEC_BIN", RUST_DIR / "target/debug/tidegate-exec")),
                                 "tidegate-exec binary", "cargo build --bin tidegate-exec in sdk-examples/rust")
    redis = shutil.which(os.environ.get("REDIS_SERVER", "redis-server"))
    if not redis:
        pytest.fail("redis-server not on PATH (apt-get install redis-server, or set REDIS_SERVER)", pytrace=False)
    return Prerequisites(_java(), jar, f"{classes}{os.pathsep}{cp_file.read_text().strip()}", exec_bin, redis)


@pytest.fixture
def procs() -> Iterator[Processes]:
    """Processes of one test; stopped even when the test fails or pytest gets SIGTERM."""
    base = REPO / "target" / "e2e"
    base.mkdir(parents=True, exist_ok=True)
    log_dir = Path(tempfile.mkdtemp(prefix=time.strftime("%Y%m%d-%H%M%S-"), dir=base))

    def on_term(signum: int, frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, on_term)
    p = Processes(log_dir)
    try:
        yield p
    finally:
        p.stop_all()
        signal.signal(signal.SIGTERM, previous)
        print(f"\nround trip: process logs in {log_dir}")
