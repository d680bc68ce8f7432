#!/usr/bin/env bash
# The load tool against a gateway in its own JVM, as deployed: the gateway pinned to one CPU, the
# load tool and a stand-in OTLP collector (bench OtlpSink) pinned to the others. The gateway's
# CPU per message is then read from /proc, apart from the clients', per thread group. One run per
# tracing level given, in the order given (alternate them: runs drift).
#
#   scripts/bench-split.sh off 0.01 off 0.01 [-- more load tool args, e.g. --rate 80000]
#
# Env: GATEWAY_HEAP (12g: the memory backend keeps up to 1M messages per topic; with less, ZGC
# stalls allocations at full speed and the run measures the collector), CLIENT_HEAP (4g),
# WARMUP (90: seconds before measuring; a 1 % sampled path compiles late), DURATION (15 seconds),
# GATEWAY_ARGS (more gateway options, e.g. "--retention.max-length=100000"), GATEWAY_JAVA_OPTS
# (more JVM options, e.g. "-XX:StartFlightRecording=filename=gw.jfr"), CLIENT_TRACE (the load tool's
# own tracing, off or a ratio; default: the run's level. "off" measures the gateway's tracing alone:
# the gateway then starts the traces, and the clients' spans and export do not share its numbers),
# GATEWAY_MAIN (the gateway's main class; io.tidegate.bench.SamplingAlternation alternates the run's
# sampling ratio with 0 every 2 s in one gateway and prints the difference; see its Javadoc).
# Prints per run: msg/s, p50/p99, client and gateway CPU µs per message, the gateway's CPU per
# message by thread group and its count of ZGC allocation stalls.
set -euo pipefail
cd "$(dirname "$0")/.."

levels=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do levels+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
[ ${#levels[@]} -gt 0 ] || { echo "usage: $0 off|RATIO... [-- load tool args]" >&2; exit 2; }
warmup=${WARMUP:-90}
duration=${DURATION:-15}
out=bench/target/bench-split
mkdir -p "$out"

./mvnw -B -q -ntp -pl bench -am compile dependency:build-classpath -Dmdep.includeScope=runtime \
  -Dmdep.outputFile="$PWD/$out/classpath.txt" >/dev/null
cp="$(cat "$out/classpath.txt"):$PWD/bench/target/classes"

cpus=$(nproc)
pin_gateway=(); pin_clients=()
if [ "$cpus" -gt 1 ]; then
  pin_gateway=(taskset -c 0)
  pin_clients=(taskset -c "1-$((cpus - 1))")
fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# "tid ticks name" for every thread of a process
thread_ticks() {
  for t in /proc/"$1"/task/*; do
    echo "$(basename "$t") $(sed 's/.*) //' "$t/stat" 2>/dev/null | awk '{print $12 + $13}') $(cat "$t/comm" 2>/dev/null)"
  done
}

pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT

for level in "${levels[@]}"; do
  sink_port=$(free_port); grpc_port=$(free_port)
  "${pin_clients[@]}" java -cp "$cp" io.tidegate.bench.OtlpSink "$sink_port" >"$out/sink.log" 2>&1 &
  sink=$!
  if [ "$level" = off ]; then
    tracing=(--otel.enabled=false)
  else
    tracing=(--otel.enabled=true "--otel.sampling-ratio=$level" --otel.protocol=http/protobuf
             "--otel.endpoint=http://127.0.0.1:$sink_port")
  fi
  "${pin_gateway[@]}" java -XX:+UseZGC ${GATEWAY_JAVA_OPTS:-} "-Xms${GATEWAY_HEAP:-12g}" "-Xmx${GATEWAY_HEAP:-12g}" \
    "-Xlog:gc:file=$out/gateway-gc-$level.log" -cp "$cp" "${GATEWAY_MAIN:-io.tidegate.gateway.Main}" \
    --grpc.host=127.0.0.1 "--grpc.port=$grpc_port" --http.port=0 "${tracing[@]}" ${GATEWAY_ARGS:-} \
    >"$out/gateway-$level.log" 2>&1 &
  gateway=$!
  pids=("$sink" "$gateway")
  for _ in $(seq 100); do
    grep -q "listening on" "$out/gateway-$level.log" 2>/dev/null && break
    sleep 0.2
  done
  grep -q "listening on" "$out/gateway-$level.log" \
    || { echo "bench-split: the gateway did not start in 20 s; see $out/gateway-$level.log" >&2; exit 1; }
  "${pin_clients[@]}" java -XX:+UseZGC "-Xms${CLIENT_HEAP:-4g}" "-Xmx${CLIENT_HEAP:-4g}" -cp "$cp" \
    io.tidegate.bench.LoadTool --endpoint "127.0.0.1:$grpc_port" --warmup "${warmup}s" \
    --duration "${duration}s" --trace "${CLIENT_TRACE:-$level}" "$@" >"$out/load-$level.log" 2>&1 &
  load=$!
  pids+=("$load")
  sleep "$warmup"
  before=$(cpu_ticks "$gateway"); thread_ticks "$gateway" >"$out/threads-before"
  sleep "$duration"
  after=$(cpu_ticks "$gateway"); thread_ticks "$gateway" >"$out/threads-after"
  wait "$load"
  kill "$gateway" "$sink"; wait "$gateway" "$sink" 2>/dev/null || true
  stalls=$(grep -c "Allocation Stall" "$out/gateway-gc-$level.log" || true)
  grep "^window" "$out/gateway-$level.log" | tail -1 | sed 's/^window [^;]*; /alternation: /' || true
  python3 - "$out/load-$level.log" "$level" "$before" "$after" "$(getconf CLK_TCK)" "$stalls" \
    "$out/threads-before" "$out/threads-after" <<'PY'
import collections, json, re, sys
level, before, after, hz, stalls = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
def ticks(path):
    rows = (line.split(" ", 2) for line in open(path))
    return {r[0]: (int(r[1]), r[2].strip()) for r in rows if len(r) == 3 and r[1]}
start, end = ticks(sys.argv[7]), ticks(sys.argv[8])
r = json.loads(next(line for line in open(sys.argv[1]) if line.startswith("{")))
messages = r["received_per_s"] * r["seconds"]
groups = collections.Counter()
for tid, (t, name) in end.items():
    groups[re.sub(r"\d+", "N", name)] += t - start.get(tid, (0, name))[0]
us = lambda t: round(t * 1e6 / hz / messages, 3)
lat = r["latency_us"]
print(json.dumps({"trace": level, "received_per_s": r["received_per_s"],
                  "p50_ms": round(lat["p50"] / 1000, 2), "p99_ms": round(lat["p99"] / 1000, 2),
                  "client_cpu_us_per_msg": r["cpu_us_per_msg"], "gateway_cpu_us_per_msg": us(after - before),
                  "gateway_threads_us_per_msg": {g: us(t) for g, t in groups.most_common() if us(t) >= 0.005},
                  "gateway_gc_allocation_stalls": int(stalls)}))
PY
done
