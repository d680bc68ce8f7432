#!/usr/bin/env python3
"""Checks the gateway image tar that `./mvnw -pl gateway -am package -Pimage` writes, without a
container runtime: reads its manifest and config (OCI layout or `docker save` form), asserts the
user, entrypoint, JVM settings, environment, ports, volume and health check, looks into the
layers, and with --run unpacks them into a root file system and runs the image's entrypoint
there as its user (chroot in a private mount namespace, so root is needed) against a
real redis-server: /healthz and /readyz answer, the spool directory is created on the volume,
the image's own health check command passes, and SIGTERM drains to exit code 0.

    image_check.py IMAGE_TAR [--run]
"""
import gzip
import io
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request

USER = "65532:65532"
VOLUME = "/var/lib/tidegate"
failures: list[str] = []


def check(condition: bool, what: str) -> None:
    print(("ok   " if condition else "FAIL ") + what)
    if not condition:
        failures.append(what)


def read_image(path: str) -> tuple[dict, list[bytes]]:
    """The image config and its layers (uncompressed tar bytes), in order."""
    with tarfile.open(path) as image:
        names = set(image.getnames())

        def blob(name: str) -> bytes:
            return image.extractfile(name).read()

        if "index.json" in names:  # OCI layout
            index = json.loads(blob("index.json"))
            manifest = json.loads(blob("blobs/" + index["manifests"][0]["digest"].replace(":", "/")))
            config = json.loads(blob("blobs/" + manifest["config"]["digest"].replace(":", "/")))
            layer_names = ["blobs/" + layer["digest"].replace(":", "/") for layer in manifest["layers"]]
        else:  # docker save
            manifest = json.loads(blob("manifest.json"))[0]
            config = json.loads(blob(manifest["Config"]))
            layer_names = manifest["Layers"]
        layers = []
        for name in layer_names:
            data = blob(name)
            layers.append(gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data)
    return config, layers


def layer_entries(layers: list[bytes]) -> dict[str, tarfile.TarInfo]:
    entries = {}
    for data in layers:
        with tarfile.open(fileobj=io.BytesIO(data)) as layer:
            for info in layer.getmembers():
                entries["/" + info.name.lstrip("./").rstrip("/")] = info
    return entries


def check_config(config: dict, entries: dict[str, tarfile.TarInfo]) -> None:
    c = config["config"]
    env = dict(item.split("=", 1) for item in c.get("Env", []))
    entrypoint = c.get("Entrypoint") or []
    check(c.get("User") == USER, f"runs as {USER} (got {c.get('User')})")
    check(entrypoint[:1] == ["java"] and entrypoint[-1:] == ["io.tidegate.gateway.Main"],
          f"entrypoint starts java with io.tidegate.gateway.Main (got {entrypoint})")
    check("-XX:+ExitOnOutOfMemoryError" in entrypoint, "the JVM exits on OutOfMemoryError")
    check("-XX:+UseZGC" in env.get("JDK_JAVA_OPTIONS", ""), f"ZGC by default (JDK_JAVA_OPTIONS={env.get('JDK_JAVA_OPTIONS')})")
    check(env.get("TIDEGATE_RESILIENCE_SPOOL_DIR", "").startswith(VOLUME + "/"),
          f"the spool is on the volume (TIDEGATE_RESILIENCE_SPOOL_DIR={env.get('TIDEGATE_RESILIENCE_SPOOL_DIR')})")
    check(set(c.get("ExposedPorts", {})) == {"7400/tcp", "7401/tcp"}, f"exposes 7400 and 7401 (got {sorted(c.get('ExposedPorts', {}))})")
    check(VOLUME in c.get("Volumes", {}), f"declares the volume {VOLUME}")
    health = (c.get("Healthcheck") or {}).get("Test", [])
    if config.get("_format") == "oci":
        print("note OCI format: the image config has no HEALTHCHECK field; orchestrators probe /healthz and /readyz")
    else:
        check(any("/healthz" in part for part in health), f"health check asks /healthz (got {health})")
    java = entries.get("/opt/java/openjdk/bin/java")
    check(java is not None and java.mode & 0o111 != 0, "the image has the Java runtime at /opt/java/openjdk")
    check("/app/classes/io/tidegate/gateway/Main.class" in entries, "the image has the gateway's classes under /app")
    volume = entries.get(VOLUME)
    check(volume is not None and volume.uid == 65532, f"{VOLUME} belongs to the gateway's user")
    setuid = [name for name, info in entries.items() if info.isreg() and info.mode & 0o6000]
    check(not setuid, f"no setuid or setgid files (found {setuid[:5]})")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(port: int, path: str) -> tuple[int, str]:
    """Status and body; status 0 when nothing answers."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except OSError as e:
        return 0, str(e)


def run_image(config: dict, layers: list[bytes]) -> None:
    c = config["config"]
    root = tempfile.mkdtemp(prefix="tidegate-image-")
    os.chmod(root, 0o755)  # the image's / as the image's user sees it
    redis = None
    gateway = None
    try:
        for data in layers:
            with tarfile.open(fileobj=io.BytesIO(data)) as layer:
                layer.extractall(root, numeric_owner=True)
        # what a container runtime provides in /dev
        os.mknod(os.path.join(root, "dev/null"), 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        os.chmod(os.path.join(root, "dev/null"), 0o666)
        redis_port, grpc_port, http_port = free_port(), free_port(), free_port()
        redis = subprocess.Popen(["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1",
                                  "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
        env = dict(item.split("=", 1) for item in c.get("Env", []))
        env["JDK_JAVA_OPTIONS"] += " -Xmx256m"
        command = c["Entrypoint"] + [f"--grpc.port={grpc_port}", f"--http.port={http_port}",
                                     f"--backend.redis.uri=redis://127.0.0.1:{redis_port}", "--gateway-id=image-check"]
        # the host's tools by full path: the environment given is the image's (its PATH)
        mount, chroot = shutil.which("mount"), shutil.which("chroot")
        script = (f'{mount} -t proc proc "{root}/proc" && cd "{root}" && exec {chroot} --userspec={c["User"]} "{root}" '
                  f'/bin/sh -c \'cd {c["WorkingDir"]} && exec "$@"\' sh ' + " ".join(f"'{part}'" for part in command))
        # unshare, sh and chroot each exec the next, so the process started here is the gateway
        gateway = subprocess.Popen([shutil.which("unshare"), "--mount", "/bin/sh", "-c", script],
                                   env=env, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 90
        status = (0, "")
        while time.monotonic() < deadline and gateway.poll() is None:
            status = http_get(http_port, "/readyz")
            if status[0] == 200:
                break
            time.sleep(0.5)
        if gateway.poll() is not None:
            print(gateway.stderr.read()[-4000:])
            check(False, f"the image's gateway runs (it exited {gateway.returncode})")
            return
        check(status[0] == 200, f"the image's gateway answers /readyz 200 (got {status})")
        check(http_get(http_port, "/healthz")[0] == 200, "and /healthz 200")
        health = (c.get("Healthcheck") or {}).get("Test", [])
        if health[:1] == ["CMD"]:
            probe = [part.replace(":7401/", f":{http_port}/") for part in health[1:]]
            result = subprocess.run([shutil.which("chroot"), f"--userspec={c['User']}", root] + probe, capture_output=True)
            check(result.returncode == 0, f"the image's health check command passes inside the image ({' '.join(probe)})"
                  + (f": {result.stderr.decode().strip()}" if result.returncode else ""))
        spool = os.path.join(root, VOLUME.lstrip("/"), "spool")
        check(os.path.isdir(spool) and os.stat(spool).st_uid == 65532, "it created its spool on the volume, as its user")
        gateway.send_signal(signal.SIGTERM)
        code = gateway.wait(timeout=60)
        stderr = gateway.stderr.read()
        check(code == 0, f"SIGTERM drains and exits 0 (got {code})")
        check("listening on" in stderr, "it printed its listening line")
        if failures:
            print(stderr[-4000:])
    finally:
        if gateway is not None and gateway.poll() is None:
            gateway.kill()
        if redis is not None:
            redis.terminate()
            redis.wait()
        subprocess.run(["umount", os.path.join(root, "proc")], stderr=subprocess.DEVNULL)
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 1:
        sys.exit(__doc__)
    config, layers = read_image(args[0])
    with tarfile.open(args[0]) as image:
        config["_format"] = "oci" if "index.json" in image.getnames() else "docker"
    print(f"{args[0]}: {len(layers)} layers, {sum(map(len, layers)) // 2**20} MiB unpacked, {config['_format']} format")
    check_config(config, layer_entries(layers))
    sys.stdout.flush()
    if "--run" in sys.argv:
        run_image(config, layers)
    if failures:
        sys.exit(f"{len(failures)} image checks failed")
    print("image checks passed")


if __name__ == "__main__":
    main()
