"""A throw-away PKI for the secured end-to-end tests, made with the openssl command line at test
time: a CA, a gateway certificate for localhost and 127.0.0.1, and a client certificate."""
from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class Pki:
    ca: Path
    server_chain: Path
    server_key: Path
    client_chain: Path
    client_key: Path


def _openssl(*args: str, cwd: Path) -> None:
    done = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        pytest.fail(f"openssl {' '.join(args)} failed:\n{done.stderr}", pytrace=False)


def _leaf(name: str, ext: str, d: Path) -> None:
    _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", f"/CN={name}",
             "-keyout", f"{name}.key", "-out", f"{name}.csr", cwd=d)
    (d / f"{name}.ext").write_text(ext)
    _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
             "-days", "2", "-extfile", f"{name}.ext", "-out", f"{name}.crt", cwd=d)
    (d / f"{name}-chain.pem").write_text((d / f"{name}.crt").read_text() + (d / "ca.pem").read_text())


def make_pki(d: Path) -> Pki:
    """Writes the CA and both certificates into ``d`` (keys in PKCS#8, as the gateway wants)."""
    if not shutil.which("openssl"):
        pytest.fail("openssl not on PATH: it makes the test certificates (apt-get install openssl)", pytrace=False)
    d.mkdir(parents=True, exist_ok=True)
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
             "-subj", "/CN=tidegate-e2e-ca", "-keyout", "ca.key", "-out", "ca.pem", cwd=d)
    _leaf("server", "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n", d)
    _leaf("client", "subjectAltName=URI:spiffe://e2e/conformance\nextendedKeyUsage=clientAuth\n", d)
    return Pki(d / "ca.pem", d / "server-chain.pem", d / "server.key", d / "client-chain.pem", d / "client.key")
