"""The connection flags every adapter CLI shares, as in the Rust examples: ``--ca`` (TLS, trusting
that CA), ``--cert`` / ``--key`` (a client certificate for mTLS) and ``--token-file`` (sent as
``authorization: Bearer <token>``, read again on every (re)connect so a rotated file is picked up).
Without any of them the connection is plaintext and anonymous.

    ap = argparse.ArgumentParser(...)
    add_connection_flags(ap)
    args = ap.parse_args(argv)
    check_connection_flags(ap, args)
    client = TidegateClient(endpoints, client_name="...", **client_options(args))

A file that cannot be used (missing, unreadable, an empty token) stops the program at start with an
argparse error naming the flag. Everything here runs on the caller's thread; the token source is
called by the client on its event loop and does blocking file reads of a few bytes.
"""
from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

from tidegate import TlsSettings

log = logging.getLogger("tidegate_adapters.connection")


def _read_token(path: Path) -> str:
    return path.read_text(encoding="utf-8").strip()


def _readable_file(text: str) -> Path:
    """argparse ``type``: a file that can be read now (its flag is named by argparse on failure)."""
    path = Path(text)
    try:
        with path.open("rb"):
            pass
    except OSError as e:
        raise argparse.ArgumentTypeError(f"cannot read {text}: {e.strerror or e}") from None
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a folder, not a file")
    return path


def _token_file(text: str) -> Path:
    """argparse ``type``: a readable file holding a token (surrounding whitespace ignored)."""
    path = _readable_file(text)
    try:
        token = _read_token(path)
    except (OSError, UnicodeDecodeError) as e:
        raise argparse.ArgumentTypeError(f"cannot read {text}: {e}") from None
    if not token:
        raise argparse.ArgumentTypeError(f"{text} is empty")
    return path


class TokenFile:
    """A bearer-token source for ``TidegateClient(bearer_token=...)``: each call reads the file
    again; when it went missing or empty the last token read is sent (and a warning logged), so a
    rotation that briefly removes the file does not drop the connection. Called by the client on
    its event loop; not meant to be shared between threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._last = _read_token(path)
        if not self._last:
            raise ValueError(f"--token-file: {path} is empty")

    def __call__(self) -> str:
        try:
            token = _read_token(self.path)
        except (OSError, UnicodeDecodeError) as e:
            log.warning("token file %s unreadable (%s); sending the last token read", self.path, e)
            return self._last
        if not token:
            log.warning("token file %s is empty; sending the last token read", self.path)
            return self._last
        self._last = token
        return token


def add_connection_flags(parser: argparse.ArgumentParser) -> None:
    """Adds ``--ca``, ``--cert``, ``--key`` and ``--token-file`` to ``parser``. Call
    :func:`check_connection_flags` on the parsed arguments."""
    group = parser.add_argument_group("secured gateway (TLS, token)")
    group.add_argument("--ca", type=_readable_file, default=None, metavar="PEM",
                       help="connect over TLS, trusting this CA (PEM) for the gateway's certificate")
    group.add_argument("--cert", type=_readable_file, default=None, metavar="PEM",
                       help="client certificate chain (PEM, leaf first) for mTLS; needs --key (and implies TLS)")
    group.add_argument("--key", type=_readable_file, default=None, metavar="PEM",
                       help="private key of --cert (PEM, PKCS#8); needs --cert")
    group.add_argument("--token-file", type=_token_file, default=None, metavar="FILE",
                       help="send the token in this file as 'authorization: Bearer <token>'; "
                            "read again on every (re)connect, so a rotated file is picked up")


def check_connection_flags(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """The checks argparse cannot make one flag at a time: ``--cert`` and ``--key`` go together.
    Exits through ``parser.error`` (status 2) naming both."""
    if (args.cert is None) != (args.key is None):
        parser.error("--cert and --key go together: give both for a client certificate, or neither")


def client_options(args: argparse.Namespace) -> dict[str, Any]:
    """``tls`` and ``bearer_token`` keyword arguments for ``TidegateClient`` from the parsed flags:
    ``tls`` when ``--ca`` or ``--cert`` is given (None: plaintext), ``bearer_token`` a
    :class:`TokenFile` when ``--token-file`` is given (None: anonymous)."""
    tls = None
    if args.ca is not None or args.cert is not None:
        tls = TlsSettings(ca_file=args.ca, cert_chain_file=args.cert, key_file=args.key)
    token = TokenFile(args.token_file) if args.token_file is not None else None
    return {"tls": tls, "bearer_token": token}
