#!/usr/bin/env bash
# Builds the gateway image's base without a container registry or a Docker daemon:
# a Java runtime cut down with jlink from the JDK that builds the project, glibc, libstdc++,
# zlib and a static busybox (for the health check and a shell) from Debian's packages, a
# non-root user 65532 "tidegate", and /var/lib/tidegate (the spool volume) owned by it.
# Writes a `docker save`-style tar that Jib reads as its base image (tar://...).
#   deploy/image/build-base-image.sh [OUT_TAR]    default: gateway/target/image-base/base.tar
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-gateway/target/image-base/base.tar}
work=$(dirname "$out")/work
java_home=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}

# The same inputs give the same tar byte for byte: keep one built from these scripts and this JDK
# (a clean build, or deleting the tar, rebuilds it with the current Debian packages).
stamp=$(cat deploy/image/build-base-image.sh deploy/image/assemble_base.py "$java_home/release" | sha256sum | cut -c1-64)
if [ -f "$out" ] && [ "$(cat "$out.inputs" 2>/dev/null)" = "$stamp" ]; then
  echo "base image: $out is up to date"
  exit 0
fi
rm -rf "$work"
mkdir -p "$work/rootfs" "$work/debs"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# The runtime: modules the gateway and its libraries use (gRPC/Netty, Lettuce, Guice, logback,
# OpenTelemetry), plus JFR and jcmd for diagnosing a running replica.
modules=java.base,java.logging,java.management,java.naming,java.net.http,java.security.jgss,java.sql,java.xml,jdk.httpserver
modules+=,jdk.unsupported,jdk.crypto.ec,jdk.management,jdk.naming.dns,jdk.zipfs,jdk.jfr,jdk.jcmd
"$java_home/bin/jlink" --module-path "$java_home/jmods" --add-modules "$modules" \
  --strip-debug --no-header-files --no-man-pages --compress=2 \
  --output "$work/rootfs/opt/java/openjdk" 2>&1 | grep -v 'compress' || true
test -x "$work/rootfs/opt/java/openjdk/bin/java"

# Shared libraries the JVM and Netty's native transport link against, from Debian's packages.
packages=(libc6 libgcc-s1 libstdc++6 zlib1g busybox-static)
if ! (cd "$work/debs" && apt-get download "${packages[@]}" >/dev/null 2>&1); then
  as_root apt-get update -qq
  (cd "$work/debs" && apt-get download "${packages[@]}" >/dev/null)
fi
for deb in "$work"/debs/*.deb; do dpkg-deb -x "$deb" "$work/rootfs"; done
rm -rf "$work"/rootfs/usr/share/{doc,man,info,lintian,locale} "$work"/rootfs/usr/lib/x86_64-linux-gnu/gconv

versions=$(for deb in "$work"/debs/*.deb; do dpkg-deb --showformat='${Package}=${Version} ' -W "$deb"; done)
python3 deploy/image/assemble_base.py "$work/rootfs" "$out" "jlink $("$java_home/bin/java" -version 2>&1 | head -1); $versions"
echo "$stamp" > "$out.inputs"
rm -rf "$work"
echo "base image: $out ($(du -h "$out" | cut -f1))"
