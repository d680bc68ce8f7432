#!/usr/bin/env bash
# Checks and tests the Rust crate: rustfmt, clippy (warnings are errors), cargo test.
# The integration tests start the gateway jar (built by `./mvnw package` at the repository
# root, or TIDEGATE_GATEWAY_JAR) and fail when it is missing.
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v cargo >/dev/null 2>&1; then
  export PATH="$HOME/.cargo/bin:$PATH"
fi
if ! command -v cargo >/dev/null 2>&1; then
  echo "run-tests: cargo not found (install Rust with rustup)" >&2
  exit 1
fi
# rustfmt and clippy come with the default rustup profile; add them when missing.
if command -v rustup >/dev/null 2>&1; then
  cargo fmt --version >/dev/null 2>&1 || rustup component add rustfmt
  cargo clippy --version >/dev/null 2>&1 || rustup component add clippy
fi

jobs="${CARGO_BUILD_JOBS:-2}"
cargo fmt --check
cargo clippy -j "$jobs" --locked --all-targets -- -D warnings
cargo test -j "$jobs" --locked
