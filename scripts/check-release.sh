#!/usr/bin/env bash
# Checks the release artefacts after `./mvnw verify` (or package): one version everywhere; the
# Java SDK's jar, -sources.jar and -javadoc.jar; the Python SDK's wheel with its generated stubs
# and typing markers; the Rust crate's package metadata (cargo package lists no warning).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/check-versions.sh
maven=$(sed -n '0,/<version>/s:.*<version>\(.*\)</version>.*:\1:p' pom.xml)
version=${maven%-SNAPSHOT}

for kind in "" -sources -javadoc; do
  jar=sdk-java/target/tidegate-sdk-java-$maven$kind.jar
  [ -s "$jar" ] || { echo "check-release: $jar is missing: run ./mvnw -pl sdk-java -am package first" >&2; exit 1; }
done
# listings captured first: `unzip | grep -q` fails under pipefail when grep stops reading early
sources=$(unzip -l "sdk-java/target/tidegate-sdk-java-$maven-sources.jar")
javadoc=$(unzip -l "sdk-java/target/tidegate-sdk-java-$maven-javadoc.jar")
grep -q 'io/tidegate/sdk/TidegateClient.java' <<< "$sources"
grep -q 'io/tidegate/sdk/TidegateClient.html' <<< "$javadoc"
echo "ok   sdk-java: jar, sources and javadoc jars"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
python3 -m pip wheel -q --no-deps -w "$out" ./sdk-python
wheel=$(ls "$out"/tidegate-"$version"-*.whl)
python3 - "$wheel" <<'PY'
import sys, zipfile
names = set(zipfile.ZipFile(sys.argv[1]).namelist())
wanted = ["tidegate/client.py", "tidegate/py.typed", "tidegate/v1/gateway_pb2.py", "tidegate/v1/gateway_pb2.pyi",
          "tidegate/v1/gateway_pb2_grpc.py", "tidegate/market/v1/data_pb2.py", "tidegate/market/v1/data_pb2.pyi"]
missing = [n for n in wanted if n not in names]
if missing:
    sys.exit(f"check-release: {sys.argv[1]} lacks {missing}")
print(f"ok   sdk-python: {sys.argv[1].rsplit('/', 1)[-1]} has the generated stubs ({sum(n.endswith('.pyi') for n in names)} .pyi files)")
PY

# cargo package names missing metadata as warnings ("manifest has no license ..."). The project
# has no public repository or documentation URL yet: that one warning is allowed until it has.
(cd sdk-rust && cargo package --list --allow-dirty > "$out/crate-files" 2> "$out/crate-warnings") || { cat "$out/crate-warnings" >&2; exit 1; }
if grep -i 'warning' "$out/crate-warnings" | grep -v 'manifest has no documentation, homepage or repository'; then
  echo "check-release: sdk-rust/Cargo.toml metadata is incomplete (above)" >&2; exit 1
fi
grep -qx 'README.md' "$out/crate-files"
grep -qx 'proto/tidegate/v1/gateway.proto' "$out/crate-files"  # build.rs compiles it from inside the crate
echo "ok   sdk-rust: crate tidegate $version packages with its licence, description and readme, and the protos ($(wc -l < "$out/crate-files") files; no repository URL yet)"
