#!/usr/bin/env bash
# Jaeger v2 for traces on this machine: built from source with the Go toolchain, cached, and run
# with in-memory storage on free loopback ports.
#
#   scripts/jaeger.sh build            # builds (or finds in the cache) the jaeger binary; prints its path
#   scripts/jaeger.sh start [DIR]      # starts it in the background; writes DIR/jaeger.env, prints it
#   scripts/jaeger.sh run              # runs it in the foreground on the usual ports (4317, 4318, 16686)
#   scripts/jaeger.sh config GRPC HTTP QUERY   # prints the YAML config for these host:port addresses
#
# Version: Jaeger v2.13.0. Its Go module is github.com/jaegertracing/jaeger without a /v2 suffix, so
# the v2.13.0 tag is not a valid version of that module; the same commit carries the v1.76.0 tag,
# which is what Go resolves that commit to, and the binary cmd/jaeger at v1.76.0 IS Jaeger v2.13.0
# (OTel-collector based, YAML config). `go install .../cmd/jaeger@<that commit>` would be the
# one-liner, but go install refuses this module: its go.mod has a `replace` directive
# (github.com/Shopify/sarama => v1.33.0). So the build uses a throw-away main module in the cache
# directory that requires jaeger v1.76.0 and repeats that replace, then `go build`s cmd/jaeger: the
# same sources and dependency versions as Jaeger's own build.
#
# Environment: JAEGER_CACHE (default ~/.cache/tidegate), JAEGER_BIN (use this binary, skip the build).
# `start` exports to DIR/jaeger.env: JAEGER_PID, JAEGER_OTLP_GRPC (host:port), JAEGER_OTLP_HTTP
# (http://host:port), JAEGER_QUERY (http://host:port), JAEGER_LOG.
set -euo pipefail

JAEGER_MODULE=github.com/jaegertracing/jaeger
JAEGER_MODULE_VERSION=v1.76.0   # the commit tagged v1.76.0 and v2.13.0
JAEGER_RELEASE=v2.13.0
JAEGER_RELEASE_DATE=2025-12-03T16:07:08Z  # the module version's time on the Go module proxy
JAEGER_CACHE=${JAEGER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tidegate}
JAEGER_HOME=$JAEGER_CACHE/jaeger-$JAEGER_RELEASE

log() { echo "jaeger: $*" >&2; }
die() { log "$*"; exit 1; }

# Jaeger v1.76.0's go.mod says go 1.24.6; the build never downloads a toolchain (GOTOOLCHAIN=local).
ensure_go() {
  command -v go >/dev/null 2>&1 || export PATH="/usr/local/go/bin:$PATH"
  if ! command -v go >/dev/null 2>&1; then
    log "go not found; installing golang-go with apt-get"
    local sudo=; [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-go >/dev/null
    command -v go >/dev/null 2>&1 || die "go is still missing after apt-get install golang-go"
  fi
  local have
  have=$(GOTOOLCHAIN=local go env GOVERSION | sed 's/^go//')
  [ "$(printf '%s\n%s\n' 1.24.6 "$have" | sort -V | head -1)" = 1.24.6 ] \
    || die "Jaeger $JAEGER_RELEASE needs Go >= 1.24.6; $(command -v go) is go$have"
}

cmd_build() {
  if [ -n "${JAEGER_BIN:-}" ]; then
    [ -x "$JAEGER_BIN" ] || die "JAEGER_BIN=$JAEGER_BIN is not an executable"
    echo "$JAEGER_BIN"; return
  fi
  local bin=$JAEGER_HOME/bin/jaeger
  if [ -x "$bin" ]; then echo "$bin"; return; fi
  ensure_go
  local src=$JAEGER_HOME/build
  mkdir -p "$src" "$JAEGER_HOME/bin"
  cat >"$src/go.mod" <<EOF
module tidegate.local/jaeger-build

go 1.24.6

require $JAEGER_MODULE $JAEGER_MODULE_VERSION

// as in jaeger's own go.mod at $JAEGER_MODULE_VERSION
replace github.com/Shopify/sarama => github.com/Shopify/sarama v1.33.0
EOF
  cat >"$src/tools.go" <<'EOF'
//go:build tools

package tools

import _ "github.com/jaegertracing/jaeger/cmd/jaeger"
EOF
  log "building Jaeger $JAEGER_RELEASE ($JAEGER_MODULE@$JAEGER_MODULE_VERSION) with $(go version | cut -d' ' -f3); this takes minutes the first time"
  local start=$SECONDS
  (
    cd "$src"
    export GOFLAGS=-mod=mod GOTOOLCHAIN=local
    go mod tidy >/dev/null 2>"$src/tidy.log" || { cat "$src/tidy.log" >&2; exit 1; }
    v=$JAEGER_MODULE/internal/version
    go build -trimpath -o "$bin.tmp" \
      -ldflags "-X $v.latestVersion=$JAEGER_RELEASE -X $v.commitSHA=tag-$JAEGER_MODULE_VERSION -X $v.date=$JAEGER_RELEASE_DATE" \
      "$JAEGER_MODULE/cmd/jaeger"
  ) || die "build failed"
  mv "$bin.tmp" "$bin"
  log "built $bin in $((SECONDS - start)) s"
  echo "$bin"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Minimal Jaeger v2 config: OTLP receivers -> in-memory store -> query API, all on loopback; the
# collector's own telemetry (metrics on :8888) and the query service's self-tracing (to
# localhost:4317) are switched off, so nothing binds or dials a fixed port.
print_config() {
  local grpc=$1 http=$2 query=$3
  cat <<EOF
service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
    traces:
      level: none
    logs:
      level: info
extensions:
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: 100000
  jaeger_query:
    enable_tracing: false
    storage:
      traces: memstore
    http:
      endpoint: $query
    grpc:
      endpoint: 127.0.0.1:$(free_port)
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: $grpc
      http:
        endpoint: $http
processors:
  batch:
    timeout: 200ms
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
EOF
}

wait_ready() {
  local query=$1 pid=$2 logf=$3 deadline=$((SECONDS + ${JAEGER_START_TIMEOUT:-120}))
  until curl -fsS "http://$query/api/services" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || { tail -30 "$logf" >&2; die "jaeger exited during start"; }
    [ $SECONDS -lt $deadline ] || { tail -30 "$logf" >&2; die "jaeger did not answer on http://$query within ${JAEGER_START_TIMEOUT:-120} s"; }
    sleep 0.2
  done
}

cmd_start() {
  local dir=${1:-$(mktemp -d)} bin
  bin=$(cmd_build)
  mkdir -p "$dir"
  local grpc=127.0.0.1:$(free_port) http=127.0.0.1:$(free_port) query=127.0.0.1:$(free_port)
  print_config "$grpc" "$http" "$query" >"$dir/jaeger.yaml"
  "$bin" --config "$dir/jaeger.yaml" >"$dir/jaeger.log" 2>&1 </dev/null &
  local pid=$!
  wait_ready "$query" "$pid" "$dir/jaeger.log"
  cat >"$dir/jaeger.env" <<EOF
JAEGER_PID=$pid
JAEGER_OTLP_GRPC=$grpc
JAEGER_OTLP_HTTP=http://$http
JAEGER_QUERY=http://$query
JAEGER_LOG=$dir/jaeger.log
EOF
  log "running (pid $pid): OTLP gRPC $grpc, OTLP HTTP $http, UI/API http://$query"
  cat "$dir/jaeger.env"
}

cmd_run() {
  local bin dir
  bin=$(cmd_build)
  dir=$(mktemp -d)
  print_config 127.0.0.1:4317 127.0.0.1:4318 127.0.0.1:16686 >"$dir/jaeger.yaml"
  log "OTLP gRPC 127.0.0.1:4317, OTLP HTTP 127.0.0.1:4318, UI/API http://127.0.0.1:16686 (Ctrl-C stops)"
  exec "$bin" --config "$dir/jaeger.yaml"
}

case "${1:-}" in
  build) cmd_build ;;
  start) shift; cmd_start "$@" ;;
  run) cmd_run ;;
  config) [ $# -eq 4 ] || { echo "usage: $0 config GRPC HTTP QUERY (host:port each)" >&2; exit 2; }; print_config "$2" "$3" "$4" ;;
  *) echo "usage: $0 build | start [DIR] | run | config GRPC HTTP QUERY" >&2; exit 2 ;;
esac
