#!/usr/bin/env bash
# Builds (once) and runs the Tidegate gateway. With no arguments it uses the embedded
# memory backend, gRPC on :7400 and HTTP /healthz,/readyz on :7401.
# Examples:
#   scripts/run-gateway.sh
#   scripts/run-gateway.sh --backend.redis.uri=redis://127.0.0.1:6379
#   scripts/run-gateway.sh --config gateway.conf --grpc.port=7500
set -euo pipefail
cd "$(dirname "$0")/.."
jar=gateway/target/tidegate-gateway-0.1.0-SNAPSHOT-all.jar
if [ ! -f "$jar" ] || [ -n "$(find proto gateway/src pom.xml gateway/pom.xml -newer "$jar" -type f -print -quit)" ]; then
  ./mvnw -B -q -ntp -pl gateway -am package -DskipTests
fi
# ZGC keeps GC pauses to a few ms; young-generation pauses of G1 showed up as 10-25 ms tails.
# A gateway out of heap exits (for a supervisor to restart) instead of living on half-dead.
exec java -XX:+ExitOnOutOfMemoryError ${JAVA_OPTS:--XX:+UseZGC} -jar "$jar" "$@"
