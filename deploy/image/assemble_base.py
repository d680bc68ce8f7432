#!/usr/bin/env python3
"""Packs a root file system into a one-layer image tar in `docker save` form (manifest.json,
config, layer), the form Jib reads as a base image given as tar://<file>.

The layer is reproducible (sorted entries, zero timestamps, owner root) except for the
directories the gateway writes, which belong to the non-root user it runs as.

    assemble_base.py ROOTFS OUT_TAR DESCRIPTION
"""
import hashlib
import io
import json
import os
import sys
import tarfile

UID = GID = 65532
USER = "tidegate"
# Directories the gateway writes: the spool volume (its working directory) and the JVM's temp
# directory (Netty unpacks its native transport there).
# (mode, owner uid/gid). proc, dev and sys are the mount points a container runtime fills.
DIRECTORIES = {"var/lib/tidegate": (0o750, UID), "tmp": (0o1777, 0), "proc": (0o555, 0), "dev": (0o755, 0), "sys": (0o555, 0)}
HEALTHCHECK = ["CMD", "/bin/busybox", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:7401/healthz"]
SECOND = 1_000_000_000

EXTRA_FILES = {
    "etc/passwd": f"root:x:0:0:root:/root:/sbin/nologin\n{USER}:x:{UID}:{GID}:{USER}:/var/lib/tidegate:/sbin/nologin\n",
    "etc/group": f"root:x:0:\n{USER}:x:{GID}:\n",
    "etc/nsswitch.conf": "passwd: files\ngroup: files\nhosts: files dns\n",
}
SYMLINKS = {"bin/sh": "busybox", "bin/wget": "busybox"}


def add_entry(layer: tarfile.TarFile, info: tarfile.TarInfo, data: bytes | None = None) -> None:
    info.mtime = 0
    info.uname = info.gname = ""
    if info.name in DIRECTORIES:
        info.mode, info.uid = DIRECTORIES[info.name]
        info.gid = info.uid
    else:
        info.uid = info.gid = 0
    layer.addfile(info, io.BytesIO(data) if data is not None else None)


def build_layer(rootfs: str) -> bytes:
    buffer = io.BytesIO()
    names = set()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as layer:
        paths = []
        for directory, subdirs, files in os.walk(rootfs):
            for name in subdirs + files:
                paths.append(os.path.relpath(os.path.join(directory, name), rootfs))
        for extra in list(EXTRA_FILES) + list(SYMLINKS) + list(DIRECTORIES):
            parts = extra.split("/")
            paths.extend("/".join(parts[:i]) for i in range(1, len(parts)))
        for path in sorted(set(paths)):
            full = os.path.join(rootfs, path)
            if path in EXTRA_FILES or path in SYMLINKS:
                continue
            if os.path.lexists(full):
                info = layer.gettarinfo(full, arcname=path)
                data = open(full, "rb").read() if info.isreg() else None
            else:
                info = tarfile.TarInfo(path)
                info.type, info.mode, data = tarfile.DIRTYPE, 0o755, None
            add_entry(layer, info, data)
            names.add(path)
        for path, target in sorted(SYMLINKS.items()):
            info = tarfile.TarInfo(path)
            info.type, info.linkname, info.mode = tarfile.SYMTYPE, target, 0o777
            add_entry(layer, info)
        for path, text in sorted(EXTRA_FILES.items()):
            data = text.encode()
            info = tarfile.TarInfo(path)
            info.size, info.mode = len(data), 0o644
            add_entry(layer, info, data)
        for path in sorted(DIRECTORIES):
            if path not in names:
                info = tarfile.TarInfo(path)
                info.type = tarfile.DIRTYPE
                add_entry(layer, info)
    return buffer.getvalue()


def main(rootfs: str, out: str, description: str) -> None:
    layer = build_layer(rootfs)
    diff_id = "sha256:" + hashlib.sha256(layer).hexdigest()
    config = {
        "architecture": "amd64",
        "os": "linux",
        "config": {
            "User": f"{UID}:{GID}",
            "Env": ["PATH=/opt/java/openjdk/bin:/usr/bin:/bin", "JAVA_HOME=/opt/java/openjdk", "LANG=C.UTF-8"],
            "WorkingDir": "/var/lib/tidegate",
            "Healthcheck": {
                "Test": HEALTHCHECK,
                "Interval": 10 * SECOND,
                "Timeout": 3 * SECOND,
                "StartPeriod": 30 * SECOND,
                "Retries": 3,
            },
        },
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [{"created": "1970-01-01T00:00:00Z", "created_by": "deploy/image/build-base-image.sh: " + description}],
    }
    config_bytes = json.dumps(config, sort_keys=True).encode()
    config_name = hashlib.sha256(config_bytes).hexdigest() + ".json"
    manifest = [{"Config": config_name, "RepoTags": ["tidegate-base:local"], "Layers": ["layer.tar"]}]
    os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
    with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as image:
        for name, data in ((config_name, config_bytes), ("layer.tar", layer),
                           ("manifest.json", json.dumps(manifest).encode())):
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o644
            image.addfile(info, io.BytesIO(data))


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
