#!/usr/bin/env bash
# Checks the .proto contract with buf: lint (STANDARD rules) and breaking changes against the
# frozen v1 image (proto/v1.binpb). Installs buf with `go install` when it is missing.
# After a deliberate, compatible addition, refresh the image: buf build proto -o proto/v1.binpb
set -euo pipefail
cd "$(dirname "$0")/.."
BUF_VERSION=v1.75.0
buf=$(command -v buf || true)
if [ -z "$buf" ]; then
  buf="$(go env GOPATH)/bin/buf"
  if [ ! -x "$buf" ] || ! "$buf" --version 2>/dev/null | grep -q "${BUF_VERSION#v}"; then
    echo "check-proto: installing buf $BUF_VERSION with go install"
    go install "github.com/bufbuild/buf/cmd/buf@$BUF_VERSION"
  fi
fi
"$buf" lint proto
"$buf" breaking proto --against proto/v1.binpb
echo "check-proto: buf lint and buf breaking (against proto/v1.binpb) passed"
