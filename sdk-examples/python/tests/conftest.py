from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# The gateway harness and waits are the SDK's own test helpers (sdk-python/tests): one copy.
sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "sdk-python" / "tests"))

from gateway_process import GatewayProcess  # noqa: E402


@pytest.fixture(scope="session")
def gateway() -> Iterator[GatewayProcess]:
    """One real gateway (memory backend) for the whole session. Fails, never skips, when the jar
    is missing."""
    with GatewayProcess() as g:
        yield g


@pytest.fixture
def endpoint(gateway: GatewayProcess) -> str:
    return gateway.endpoint
