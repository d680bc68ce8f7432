#!/usr/bin/env bash
# The standard benchmark suite: Tidegate's figures and its peers' (raw Redis XADD, NATS core and
# JetStream), each run several times, into OUT/result.json and OUT/report.html (docs/performance.md,
# "Benchmark suite"), with issue 23's targets met or missed and a JFR profile of each missed one
# (OUT/profile-TARGET.jfr).
#
#   scripts/bench-suite.sh [--quick] [--runs N] [--out DIR]
#       --runs 3 (each figure, round robin), --out bench/target/suite; --quick: one short run of
#       each figure (the smoke scripts/test-all.sh runs: it checks the wiring, not speed)
#   scripts/bench-suite.sh compare [--result FILE] [--baseline FILE] [--runs N] [--alpha A] [--min-change PCT]
#       the result (or a fresh run of the suite) against the baseline of this machine kind
#       (bench/baselines/$BENCH_MACHINE_KIND.json, kind "polyglot" by default): per figure the medians,
#       change, Mann-Whitney U p-value and verdict; exits 1 when a figure regressed
#
# Installs what is missing: nats-server (apt-get) and natscli (`go install`, into $(go env GOPATH)/bin);
# matplotlib and the Python SDK into a venv (bench/target/suite-venv); builds the gateway jar, the
# bench classpath and the Rust SDK's bench example (release; debug with --quick).
set -euo pipefail
cd "$(dirname "$0")/.."

NATSCLI_VERSION=v0.5.0
MATPLOTLIB=matplotlib==3.11.2
PYTEST=pytest==9.2.0
kind=${BENCH_MACHINE_KIND:-polyglot}

mode=run; runs=3; out=bench/target/suite; quick=(); result=""; baseline="bench/baselines/$kind.json"; test_args=()
if [ "${1:-}" = compare ]; then mode=compare; shift; fi
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=(--quick); runs=1 ;;
    --runs) runs=$2; shift ;;
    --out) out=$2; shift ;;
    --result) result=$2; shift ;;
    --baseline) baseline=$2; shift ;;
    --alpha|--min-change) test_args+=("$1" "$2"); shift ;;
    *) echo "bench-suite: unknown argument $1 (see the comment at the top of $0)" >&2; exit 2 ;;
  esac
  shift
done

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

build_java() {
  mkdir -p bench/target
  ./mvnw -B -q -ntp -pl bench -am package -DskipTests dependency:build-classpath -Dmdep.includeScope=runtime \
    -Dmdep.outputFile="$PWD/bench/target/suite-classpath.txt" >/dev/null
  classpath="$(cat bench/target/suite-classpath.txt):$PWD/bench/target/classes"
}

if [ "$mode" = compare ]; then
  [ -f "$baseline" ] || { echo "bench-suite: no baseline $baseline (set BENCH_MACHINE_KIND or --baseline)" >&2; exit 2; }
  if [ -z "$result" ]; then
    "$0" --runs "$runs" --out "$out"
    result=$out/result.json
  fi
  [ -n "${classpath:-}" ] || build_java
  exec java -cp "$classpath" io.tidegate.bench.suite.BenchCompare "$baseline" "$result" "${test_args[@]}"
fi

missing=()
command -v nats-server >/dev/null 2>&1 || missing+=(nats-server)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v redis-benchmark >/dev/null 2>&1 || missing+=(redis-tools)
if [ ${#missing[@]} -gt 0 ]; then
  echo "bench-suite: installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# the Debian package starts a system nats-server on 4222; the suite starts its own on a free port
as_root systemctl disable --now nats-server >/dev/null 2>&1 || true
gobin=$(go env GOPATH)/bin
if ! go version -m "$gobin/nats" 2>/dev/null | grep "natscli[[:space:]]*$NATSCLI_VERSION" >/dev/null; then
  echo "bench-suite: installing natscli $NATSCLI_VERSION (go install, a few minutes once)"
  go install "github.com/nats-io/natscli/nats@$NATSCLI_VERSION"
fi

venv=bench/target/suite-venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install -q --disable-pip-version-check "$MATPLOTLIB" "$PYTEST" -e sdk-python
"$venv/bin/python" -m pytest -q -p no:cacheprovider scripts/tests  # the target rules, on synthetic results

build_java
export PATH="$HOME/.cargo/bin:$PATH"
if [ ${#quick[@]} -gt 0 ]; then
  (cd sdk-rust && cargo build -q -j "${CARGO_BUILD_JOBS:-2}" --locked --example bench)
  rust_bench=sdk-rust/target/debug/examples/bench
else
  (cd sdk-rust && cargo build -q -j "${CARGO_BUILD_JOBS:-2}" --locked --release --example bench)
  rust_bench=sdk-rust/target/release/examples/bench
fi

"$venv/bin/python" scripts/bench_suite.py --out "$out" --runs "$runs" "${quick[@]}" --classpath "$classpath" \
  --jar gateway/target/tidegate-gateway-0.1.0-SNAPSHOT-all.jar --rust-bench "$rust_bench" --nats "$gobin/nats" \
  --machine-kind "$kind" --command "scripts/bench-suite.sh${quick[*]:+ ${quick[*]}} --runs $runs"
test -s "$out/result.json" && test -s "$out/report.html"
