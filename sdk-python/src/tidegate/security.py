"""TLS settings of a client: PEM files read once when the client is made."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import grpc


@dataclass(frozen=True)
class TlsSettings:
    """Connect over TLS, trusting ``ca_file`` (PEM; None: the system's roots) and, for mTLS,
    presenting ``cert_chain_file`` with its PKCS#8 ``key_file``."""

    ca_file: str | Path | None = None
    cert_chain_file: str | Path | None = None
    key_file: str | Path | None = None

    def __post_init__(self) -> None:
        if (self.cert_chain_file is None) != (self.key_file is None):
            raise ValueError("cert_chain_file and key_file go together: set both for a client certificate, or neither")

    def credentials(self) -> grpc.ChannelCredentials:
        """gRPC channel credentials from the files; raises OSError naming a file that cannot be read."""
        def read(path: str | Path | None) -> bytes | None:
            return Path(path).read_bytes() if path is not None else None
        return grpc.ssl_channel_credentials(root_certificates=read(self.ca_file),
                                            private_key=read(self.key_file),
                                            certificate_chain=read(self.cert_chain_file))
