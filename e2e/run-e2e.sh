#!/usr/bin/env bash
# The three-language round trip (e2e/test_round_trip.py): a real redis-server and gateway jar, the
# Python venue adapters, the Rust execution adapter and the Java CrossingStrategy, as processes;
# and the conformance scenario (conformance/scenario.json) with the Python, Java and Rust runners
# (e2e/test_conformance.py); and one OpenTelemetry trace from the Python adapter through two gateway
# replicas to a Java subscriber, read back from a real Jaeger v2 (e2e/test_trace.py); and the
# gateway's arbitrage signals and subscribe by instrument, from the Python listings and replay
# adapters to the Java ArbitrageWatcher (e2e/test_arbitrage_by_instrument.py).
# Needs what scripts/test-all.sh builds before it: the gateway jar (./mvnw verify or package), the
# Python venv with the SDK (sdk-python, stubs included) and the adapters (made by
# sdk-examples/python/run-tests.sh) and cargo. This script compiles sdk-examples/java, writes its
# runtime classpath, builds the tidegate-exec and
# tidegate-conformance binaries and Jaeger (scripts/jaeger.sh build, cached), then runs pytest.
# Anything missing is a failure. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

fail() { echo "e2e: $*" >&2; exit 1; }

jar=${TIDEGATE_GATEWAY_JAR:-$root/gateway/target/tidegate-gateway-0.1.0-SNAPSHOT-all.jar}
[ -f "$jar" ] || fail "gateway jar $jar is missing: run ./mvnw -B -pl gateway -am package -DskipTests (scripts/test-all.sh does)"
py=$root/sdk-examples/python/.venv/bin/python
[ -x "$py" ] || fail "$py is missing: run sdk-examples/python/run-tests.sh first (scripts/test-all.sh does)"
"$py" -c 'import tidegate._proto, tidegate_adapters, pytest, pytest_asyncio' 2>/dev/null \
  || fail "the Python venv lacks the tidegate SDK (with its stubs), the adapters or pytest: run sdk-examples/python/run-tests.sh first"
command -v redis-server >/dev/null 2>&1 || [ -n "${REDIS_SERVER:-}" ] || fail "redis-server is not installed"
command -v cargo >/dev/null 2>&1 || export PATH="$HOME/.cargo/bin:$PATH"
command -v cargo >/dev/null 2>&1 || fail "cargo not found (install Rust with rustup)"

# The Java strategy and conformance runner: compiled from source with the modules they need (no
# mvn install), run with the runtime classpath Maven resolves (sibling modules as target/classes).
echo "e2e: compiling sdk-examples/java and resolving its classpath"
./mvnw -B -q -ntp ${E2E_MAVEN_FLAGS:-} -pl sdk-examples/java -am compile \
  org.apache.maven.plugins:maven-dependency-plugin:3.7.0:build-classpath \
  -Dmdep.outputFile=target/e2e-classpath.txt -DincludeScope=runtime
export TIDEGATE_EXAMPLES_CLASSPATH=$root/sdk-examples/java/target/e2e-classpath.txt
[ -s "$TIDEGATE_EXAMPLES_CLASSPATH" ] || fail "Maven wrote no classpath to $TIDEGATE_EXAMPLES_CLASSPATH"

echo "e2e: building tidegate-exec and tidegate-conformance"
(cd sdk-examples/rust && cargo build -q -j "${CARGO_BUILD_JOBS:-2}" --locked --bin tidegate-exec --bin tidegate-conformance)
target_dir=$(cd sdk-examples/rust && cargo metadata --format-version 1 --no-deps --locked \
  | "$py" -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
export TIDEGATE_EXEC_BIN=$target_dir/debug/tidegate-exec
export TIDEGATE_CONFORMANCE_BIN=$target_dir/debug/tidegate-conformance
export TIDEGATE_GATEWAY_JAR=$jar

echo "e2e: building (or finding in the cache) Jaeger v2 for the trace test"
TIDEGATE_JAEGER_BIN=$(scripts/jaeger.sh build)
export TIDEGATE_JAEGER_BIN

cd e2e
exec "$py" -m pytest -v -s "$@"
