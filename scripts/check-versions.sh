#!/usr/bin/env bash
# One version for every release artefact: the Maven reactor (X.Y.Z-SNAPSHOT between releases,
# X.Y.Z for a release), the Python SDK, the Rust SDK, the examples that pin them, and the Helm
# chart (version and appVersion). Fails naming each file that differs.
set -euo pipefail
cd "$(dirname "$0")/.."

maven=$(sed -n '0,/<version>/s:.*<version>\(.*\)</version>.*:\1:p' pom.xml)
want=${maven%-SNAPSHOT}
declare -A found=(
  [pom.xml]=$want
  [sdk-python/pyproject.toml]=$(sed -n 's/^version = "\(.*\)"/\1/p' sdk-python/pyproject.toml)
  [sdk-examples/python/pyproject.toml (tidegate==)]=$(sed -n 's/.*"tidegate==\([^"]*\)".*/\1/p' sdk-examples/python/pyproject.toml)
  [sdk-rust/Cargo.toml]=$(sed -n '0,/^version = /s/^version = "\(.*\)"/\1/p' sdk-rust/Cargo.toml)
  [deploy/helm/tidegate/Chart.yaml (version)]=$(sed -n 's/^version: *"\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' deploy/helm/tidegate/Chart.yaml)
  [deploy/helm/tidegate/Chart.yaml (appVersion)]=$(sed -n 's/^appVersion: *"\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' deploy/helm/tidegate/Chart.yaml)
)
bad=0
for file in "${!found[@]}"; do
  if [ "${found[$file]}" != "$want" ]; then
    echo "check-versions: $file has version '${found[$file]}', the reactor (pom.xml) has $maven: make them $want" >&2
    bad=1
  fi
done
for module in $(sed -n 's:.*<module>\(.*\)</module>.*:\1:p' pom.xml); do
  parent=$(sed -n '/<parent>/,/<\/parent>/s:.*<version>\(.*\)</version>.*:\1:p' "$module/pom.xml")
  if [ "$parent" != "$maven" ]; then
    echo "check-versions: $module/pom.xml names parent version '$parent', not $maven" >&2
    bad=1
  fi
done
[ "$bad" -eq 0 ] && echo "check-versions: every artefact is version $want (Maven: $maven)"
exit "$bad"
