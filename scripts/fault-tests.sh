#!/usr/bin/env bash
# Runs the fault scenarios at full length on real processes (redis-server, gateway
# replicas in their own JVMs, SDK clients) and prints each one's figures and checks:
#   redis-restart       redis-server SIGKILLed mid-stream, back after 40 s: 0 acknowledged lost
#   replica-kill        a replica SIGKILLed while its group member holds unacked work: 0 lost,
#                       duplicates only for the unacked, counted
#   rolling-restart     SIGTERM + restart of two replicas in turn under steady load: 0 lost
#   stalled-subscriber  one subscriber stops reading for 30 s: others' p99 before/during, gateway heap
#   stalled-heap        a subscriber with credit 1,000,000 stops reading its stream while 40,000 x 16 KiB
#                       go through a -Xmx256m gateway: every ack, /healthz and Welcome throughout,
#                       then it catches up in order: 0 lost, 0 duplicated
#   many-streams        10,000 concurrent Connect streams on one gateway: all served, heap and CPU
#   many-streams-redis  the same 10,000 on Redis with shared readers: all served, Redis connections
#   many-streams-redis-own-readers  2,000 on Redis with a reader connection per subscription
# Usage: scripts/fault-tests.sh [--scenario NAME[,NAME...]] [--quick]
# Needs a JDK 17+ and redis-server on PATH (or REDIS_SERVER). Exit code 1 when a check failed.
set -euo pipefail
cd "$(dirname "$0")/.."

# 10,000 streams need few sockets (they share HTTP/2 connections), but leave room anyway
ulimit -n "$(ulimit -Hn)" 2>/dev/null || ulimit -n 65536 2>/dev/null || true
echo "fault-tests: open files limit $(ulimit -n)"

./mvnw -B -ntp -q -pl faults -am compile exec:exec \
  -Dexec.executable="${JAVA_HOME:+$JAVA_HOME/bin/}java" \
  -Dexec.args="-Xmx1g -cp %classpath io.tidegate.faults.FaultRunner --work-dir target/fault-runs $*"
