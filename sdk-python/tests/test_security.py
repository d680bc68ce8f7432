"""The client over TLS with a client certificate and a bearer token, against a real gateway whose
certificates are made here at test time (no private key is committed)."""
from __future__ import annotations

import datetime
import hashlib
import ipaddress
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from gateway_process import GatewayProcess
from names import unique
from tidegate import Message, ReceivedMessage, TidegateClient, TidegateError, TlsSettings
from waits import until

TOKEN = "sdk-python-test-token"


class LocalCa:
    """A certificate authority that issues server and client certificates as PEM files."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sdk-python-test-ca")])
        self.cert = (self._builder(self.name, self.key.public_key())
                     .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                     .sign(self.key, hashes.SHA256()))
        self.ca_file = directory / "ca.pem"
        self.ca_file.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))

    def _builder(self, subject: x509.Name, public_key: ec.EllipticCurvePublicKey) -> x509.CertificateBuilder:
        now = datetime.datetime.now(datetime.timezone.utc)
        return (x509.CertificateBuilder().subject_name(subject).issuer_name(self.name)
                .public_key(public_key).serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=1)))

    def issue(self, stem: str, cn: str, san: list[x509.GeneralName]) -> tuple[Path, Path]:
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (self._builder(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]), key.public_key())
                .add_extension(x509.SubjectAlternativeName(san), critical=False)
                .sign(self.key, hashes.SHA256()))
        chain, key_file = self.dir / f"{stem}.pem", self.dir / f"{stem}.key"
        chain.write_bytes(cert.public_bytes(serialization.Encoding.PEM) + self.cert.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
        return chain, key_file


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> LocalCa:
    return LocalCa(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def secure_gateway(pki: LocalCa) -> Iterator[GatewayProcess]:
    chain, key = pki.issue("server", "localhost", [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
    with GatewayProcess(0, f"--security.tls.cert-chain-file={chain}", f"--security.tls.private-key-file={key}",
                        f"--security.tls.client-ca-file={pki.ca_file}", "--security.tls.client-auth=optional",
                        f"--security.api-tokens.sdk-python.sha256={hashlib.sha256(TOKEN.encode()).hexdigest()}") as g:
        yield g


async def test_a_client_with_the_ca_a_client_certificate_and_a_token_publishes_and_subscribes(
        pki: LocalCa, secure_gateway: GatewayProcess) -> None:
    chain, key = pki.issue("client", "sdk-python", [x509.UniformResourceIdentifier("spiffe://test/sdk-python")])
    topic = unique("sdk.tls")
    got: list[bytes] = []

    async def on_message(m: ReceivedMessage) -> None:
        got.append(m.message.payload)

    tls = TlsSettings(ca_file=pki.ca_file, cert_chain_file=chain, key_file=key)
    async with TidegateClient([secure_gateway.endpoint], tls=tls, bearer_token=lambda: TOKEN) as c:
        await c.subscribe([topic], on_message)
        await c.publish(Message(topic=topic, payload=b"over tls"))
        await until(lambda: got == [b"over tls"], what="the message over TLS")


async def test_a_client_certificate_alone_authenticates(pki: LocalCa, secure_gateway: GatewayProcess) -> None:
    chain, key = pki.issue("client-only", "sdk-python-cert", [x509.UniformResourceIdentifier("spiffe://test/cert-only")])
    async with TidegateClient([secure_gateway.endpoint], tls=TlsSettings(pki.ca_file, chain, key)) as c:
        assert c.welcome is not None and c.welcome.session_id


async def test_without_credentials_connect_says_unauthenticated(pki: LocalCa, secure_gateway: GatewayProcess) -> None:
    c = TidegateClient([secure_gateway.endpoint], tls=TlsSettings(ca_file=pki.ca_file), backoff_initial=0.05, backoff_max=0.2)
    try:
        with pytest.raises(TidegateError) as refused:
            await c.connect(timeout=3)
        assert refused.value.code == grpc.StatusCode.UNAUTHENTICATED
        assert "authorization: Bearer" in refused.value.message
        c2 = TidegateClient([secure_gateway.endpoint], tls=TlsSettings(ca_file=pki.ca_file), bearer_token="wrong-token",
                            backoff_initial=0.05, backoff_max=0.2)
        with pytest.raises(TidegateError) as wrong:
            await c2.connect(timeout=3)
        assert wrong.value.code == grpc.StatusCode.UNAUTHENTICATED and "not a known API token" in wrong.value.message
        await c2.close()
    finally:
        await c.close()


def test_a_certificate_without_its_key_is_refused_when_made() -> None:
    with pytest.raises(ValueError, match="go together"):
        TlsSettings(ca_file=None, cert_chain_file="client.pem")
