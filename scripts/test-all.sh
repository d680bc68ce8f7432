#!/usr/bin/env bash
# Runs every Tidegate test on a fresh Debian machine: installs what the tests need
# (redis-server for the Redis backend tests, chromium and chromium-driver for the console's browser test,
# nats-server for the benchmark suite's peers), then builds and tests the whole reactor.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v redis-cli >/dev/null 2>&1 || missing+=(redis-tools)
# the console's browser test (console-test) drives Debian's headless chromium through chromium-driver
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
command -v nats-server >/dev/null 2>&1 || missing+=(nats-server)  # the benchmark suite's NATS peer
if [ ${#missing[@]} -gt 0 ]; then
  echo "test-all: installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# the Debian packages start a system redis on 6379 and nats on 4222; tests start their own on free ports
as_root systemctl disable --now redis-server >/dev/null 2>&1 || true
as_root systemctl disable --now nats-server >/dev/null 2>&1 || true

scripts/check-doc-links.py        # every Markdown link resolves inside the repository
scripts/check-proto.sh            # buf lint, and buf breaking against the frozen v1 (proto/v1.binpb)
scripts/check-versions.sh         # one version for the reactor, the Python and Rust SDKs and the chart
./mvnw -B -ntp verify -Pimage "$@"  # -Pimage: also the gateway's container image (Jib, no daemon; docs/deploy.md)
python3 scripts/image_check.py gateway/target/tidegate-gateway-image.tar --run  # its config and layers; runs it in a chroot
scripts/check-deploy.sh           # Helm chart (lint, template, kubeconform, chart promises) and systemd unit
scripts/check-release.sh          # Java SDK sources/javadoc jars, Python wheel with stubs, Rust crate metadata
sdk-rust/run-tests.sh             # Rust SDK crate; its integration tests use the gateway jar built above
sdk-examples/rust/run-tests.sh    # Rust execution adapter, subscriber CLI, conformance runner (on sdk-rust)
sdk-python/run-tests.sh           # Python SDK, against the gateway jar just built
sdk-examples/python/run-tests.sh  # Python venue adapters (on sdk-python); e2e uses this venv
e2e/run-e2e.sh                    # three-language round trip: Redis, gateway jar, Python adapters, Rust exec, Java strategy;
                                  # and the trace test against Jaeger v2 (built with Go by scripts/jaeger.sh, cached)
# the split benchmark still runs end to end (short and slow on purpose: it checks the wiring, not speed)
GATEWAY_HEAP=1g CLIENT_HEAP=1g WARMUP=5 DURATION=3 scripts/bench-split.sh off 0.5 -- --rate 2000
# the benchmark suite, one short run of each figure and peer: it fails when result.json or report.html is
# not written or a figure has no number (no thresholds: speed is for scripts/bench-suite.sh compare)
suite_out=$(mktemp -d)
scripts/bench-suite.sh --quick --out "$suite_out"
rm -rf "$suite_out"
