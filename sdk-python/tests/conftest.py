from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

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
