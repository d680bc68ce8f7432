from __future__ import annotations

import hashlib
import secrets
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

# The gateway harness and waits are the SDK's own test helpers (sdk-python/tests): one copy.
sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "sdk-python" / "tests"))
# The test PKI (made with the openssl command line) is the end-to-end tests' own: one copy.
sys.path.append(str(Path(__file__).resolve().parents[3] / "e2e"))

from gateway_process import GatewayProcess  # noqa: E402
from pki import Pki, make_pki  # noqa: E402


@pytest.fixture(scope="session")
def gateway() -> Iterator[GatewayProcess]:
    """One real gateway (memory backend) for the whole session. Fails, never skips, when the jar
    is missing."""
    with GatewayProcess() as g:
        yield g


@pytest.fixture
def endpoint(gateway: GatewayProcess) -> str:
    return gateway.endpoint


@dataclass(frozen=True)
class SecuredGateway:
    """A gateway that requires TLS and an API token: its endpoint, the test PKI and a file holding
    the one token it accepts."""

    endpoint: str
    pki: Pki
    token_file: Path


@pytest.fixture(scope="module")
def secured_gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecuredGateway]:
    """A real gateway (memory backend) with TLS (certificates made now with openssl; a client
    certificate is verified when sent) and one API token, the identity ``adapters``."""
    d = tmp_path_factory.mktemp("secured")
    pki = make_pki(d / "pki")
    token = secrets.token_hex(32)
    token_file = d / "adapters.token"
    token_file.write_text(token + "\n")
    with GatewayProcess(0, f"--security.tls.cert-chain-file={pki.server_chain}",
                        f"--security.tls.private-key-file={pki.server_key}",
                        f"--security.tls.client-ca-file={pki.ca}", "--security.tls.client-auth=optional",
                        f"--security.api-tokens.adapters.sha256={hashlib.sha256(token.encode()).hexdigest()}") as g:
        yield SecuredGateway(g.endpoint, pki, token_file)
