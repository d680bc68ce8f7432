#!/usr/bin/env bash
# Validates what docs/deploy.md ships, offline: the Helm chart (helm lint, helm template with
# the default values and with a Redis Cluster + TLS values file, kubeconform against the
# Kubernetes JSON schemas, and what the chart promises: scripts/chart_check.py) and the systemd
# unit (systemd-analyze verify and its offline security score).
# Installs what is missing: helm and kubeconform with `go install`, the schemas from the PyPI
# package kubernetes-validate (kubeconform's usual schema source is not reachable everywhere).
set -euo pipefail
cd "$(dirname "$0")/.."

HELM_VERSION=v4.3.2
KUBECONFORM_VERSION=v0.8.0
SCHEMAS_PACKAGE=kubernetes-validate==1.37.0
# the oldest Kubernetes the chart supports (the preStop sleep action) and the newest schemas
KUBERNETES_VERSIONS=(1.30.0 1.37.0)
chart=deploy/helm/tidegate
cache=${XDG_CACHE_HOME:-$HOME/.cache}/tidegate-deploy
gobin=$(go env GOPATH)/bin
export PATH="$gobin:$PATH"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if ! go version -m "$gobin/helm" 2>/dev/null | grep "helm.sh/helm/v4[[:space:]]*$HELM_VERSION" >/dev/null; then
  echo "check-deploy: installing helm $HELM_VERSION (go install, a few minutes once)"
  go install "helm.sh/helm/v4/cmd/helm@$HELM_VERSION"
fi
if ! go version -m "$gobin/kubeconform" 2>/dev/null | grep "kubeconform[[:space:]]*$KUBECONFORM_VERSION" >/dev/null; then
  echo "check-deploy: installing kubeconform $KUBECONFORM_VERSION"
  go install "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION"
fi
schemas=$cache/schemas-${SCHEMAS_PACKAGE#*==}
if [ ! -d "$schemas/v${KUBERNETES_VERSIONS[-1]}-local-strict" ]; then
  mkdir -p "$cache/wheel"
  python3 -m pip download -q --no-deps -d "$cache/wheel" "$SCHEMAS_PACKAGE"
  for version in "${KUBERNETES_VERSIONS[@]}"; do
    python3 scripts/k8s_schemas.py "$cache"/wheel/kubernetes_validate-*.whl "$version" "$schemas"
  done
fi

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
helm lint --strict "$chart"
helm lint --strict "$chart" -f "$chart/ci/redis-cluster-tls-values.yaml"
helm template tidegate "$chart" > "$out/default.yaml"
helm template tidegate "$chart" -f "$chart/ci/redis-cluster-tls-values.yaml" > "$out/cluster-tls.yaml"
for version in "${KUBERNETES_VERSIONS[@]}"; do
  kubeconform -strict -summary -kubernetes-version "$version" \
    -schema-location "$schemas/{{ .NormalizedKubernetesVersion }}-local{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json" \
    "$out/default.yaml" "$out/cluster-tls.yaml"
done
python3 scripts/chart_check.py < "$out/default.yaml"
python3 scripts/chart_check.py --cluster-tls < "$out/cluster-tls.yaml"
# values the chart refuses, with a message that says what to fix
if helm template tidegate "$chart" --set 'redis.hosts={a:6379,b:6379}' > /dev/null 2> "$out/err"; then
  echo "check-deploy: two hosts for a standalone Redis were accepted" >&2; exit 1
fi
grep -q "set redis.cluster=true" "$out/err"
echo "ok   the chart refuses two hosts for a standalone Redis: $(grep -o 'redis.hosts:.*' "$out/err")"

# the gateway itself accepts the configuration the chart renders (it refuses unknown keys and bad
# values with exit 2): start the jar the Maven build made on it, on the memory backend, then stop it
jar=gateway/target/tidegate-gateway-$(sed -n '0,/<version>/s:.*<version>\(.*\)</version>.*:\1:p' pom.xml)-all.jar
[ -f "$jar" ] || { echo "check-deploy: $jar is missing: ./mvnw -B -ntp -pl gateway -am package -DskipTests" >&2; exit 1; }
python3 - "$out/default.yaml" "$out/gateway.conf" <<'PY'
import sys, yaml
(cm,) = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d and d["kind"] == "ConfigMap"]
open(sys.argv[2], "w").write(cm["data"]["gateway.conf"])
PY
java -jar "$jar" --config "$out/gateway.conf" --backend.type=memory --grpc.port=0 --http.port=0 \
  --resilience.spool.dir="$out/spool" > "$out/gateway.log" 2>&1 &
gateway=$!
for _ in $(seq 1 120); do
  grep -q 'listening on' "$out/gateway.log" && break
  kill -0 "$gateway" 2>/dev/null || break
  sleep 0.5
done
if ! grep -q 'listening on' "$out/gateway.log"; then
  kill "$gateway" 2>/dev/null || true
  cat "$out/gateway.log" >&2; echo "check-deploy: the gateway did not start on the chart's configuration" >&2; exit 1
fi
kill -TERM "$gateway"; wait "$gateway"
echo "ok   the gateway starts on the configuration the chart renders and drains on SIGTERM (exit 0)"

# systemd unit: verify prints every problem (unknown keys, bad values) but exits 0, so any output fails
command -v systemd-analyze >/dev/null 2>&1 || {
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq systemd >/dev/null
}
unit=deploy/systemd/tidegate.service
if [ -n "$(systemd-analyze verify "$unit" 2>&1)" ]; then
  systemd-analyze verify "$unit"; exit 1
fi
grace=$(sed -n 's/^TimeoutStopSec=\([0-9]*\)s$/\1/p' "$unit")
drain=$(sed -n 's/^Environment=TIDEGATE_SHUTDOWN_DRAIN_TIMEOUT=\([0-9]*\)s$/\1/p' "$unit")
[ -n "$grace" ] && [ -n "$drain" ] && [ "$grace" -gt "$drain" ] || {
  echo "check-deploy: $unit: TimeoutStopSec ($grace s) must outlast the drain timeout ($drain s)" >&2; exit 1; }
# systemd 252 exits 1 from an offline security run whatever the score: read the score instead
exposure=$(systemd-analyze security --offline=yes "$unit" 2>&1 | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' || true)
[ -n "$exposure" ] && awk -v e="$exposure" 'BEGIN { exit !(e <= 3.0) }' || {
  echo "check-deploy: $unit: systemd's exposure level is '$exposure', above 3.0 (systemd-analyze security --offline=yes $unit)" >&2; exit 1; }
echo "ok   $unit verifies; TimeoutStopSec ${grace}s > drain ${drain}s; exposure level $exposure (0 best, 10 worst; at most 3.0 passes)"
