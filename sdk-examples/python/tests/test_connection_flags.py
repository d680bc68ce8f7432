"""The connection flags every adapter CLI shares (--ca, --cert, --key, --token-file): how they
parse, and the replay adapter publishing into a real gateway that requires TLS and a token."""
from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

import pytest

from conftest import SecuredGateway
from tidegate import ReceivedMessage, TidegateClient, TlsSettings
from tidegate.market.v1 import data_pb2
from tidegate_adapters import Adapter, parser_for
from tidegate_adapters import listings, live, replay
from tidegate_adapters.connection import (TokenFile, add_connection_flags, check_connection_flags,
                                          client_options)
from waits import until

PROJECT = Path(__file__).resolve().parent.parent
SAMPLE = PROJECT / "samples" / "okx.jsonl"


def parse(*argv: str) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="adapter")
    add_connection_flags(ap)
    args = ap.parse_args(list(argv))
    check_connection_flags(ap, args)
    return args


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    out = {}
    for name, text in {"ca": "CA", "cert": "CHAIN", "key": "KEY", "token": "  s3cret-token \n"}.items():
        out[name] = tmp_path / name
        out[name].write_text(text)
    return out


def test_without_flags_the_connection_is_plaintext_and_anonymous() -> None:
    assert client_options(parse()) == {"tls": None, "bearer_token": None}


def test_ca_cert_key_and_token_file_become_tls_settings_and_a_token_source(files: dict[str, Path]) -> None:
    options = client_options(parse("--ca", str(files["ca"]), "--cert", str(files["cert"]), "--key", str(files["key"]),
                                   "--token-file", str(files["token"])))
    assert options["tls"] == TlsSettings(ca_file=files["ca"], cert_chain_file=files["cert"], key_file=files["key"])
    assert callable(options["bearer_token"]) and options["bearer_token"]() == "s3cret-token"


def test_ca_alone_is_tls_without_a_client_certificate(files: dict[str, Path]) -> None:
    assert client_options(parse("--ca", str(files["ca"])))["tls"] == TlsSettings(ca_file=files["ca"])


@pytest.mark.parametrize("given", ["--cert", "--key"])
def test_cert_and_key_alone_are_a_usage_error_naming_both(
        given: str, files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        parse(given, str(files["cert"]))
    assert exit_.value.code == 2
    assert "--cert and --key go together" in capsys.readouterr().err


@pytest.mark.parametrize("flag", ["--ca", "--cert", "--token-file"])
def test_a_missing_file_stops_at_start_naming_its_flag(
        flag: str, files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pair = ["--key", str(files["key"])] if flag == "--cert" else []
    with pytest.raises(SystemExit) as exit_:
        parse(flag, str(tmp_path / "missing.pem"), *pair)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {flag}: cannot read {tmp_path / 'missing.pem'}" in err


def test_an_empty_token_file_stops_at_start(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "empty").write_text("\n")
    with pytest.raises(SystemExit) as exit_:
        parse("--token-file", str(tmp_path / "empty"))
    assert exit_.value.code == 2
    assert f"argument --token-file: {tmp_path / 'empty'} is empty" in capsys.readouterr().err


def test_the_token_file_is_read_again_on_each_call_and_keeps_the_last_good_token(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text("first\n")
    source = TokenFile(path)
    assert source() == "first"
    path.write_text("rotated\n")
    assert source() == "rotated"
    path.write_text("")
    assert source() == "rotated"
    path.unlink()
    assert source() == "rotated"
    path.write_text("third")
    assert source() == "third"


def test_every_adapter_cli_takes_the_flags(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    flags = ["--ca", str(files["ca"]), "--cert", str(files["cert"]), "--key", str(files["key"]),
             "--token-file", str(files["token"])]
    parsed = [
        replay._args(["--venue", "okx", "--file", "x.jsonl", *flags]),
        live._args(["--venue", "okx", "--url", "wss://x", "--symbols", "BTC-USDT", *flags]),
        listings._args(["publish", "--venue", "okx", "--file", "x.json", *flags]),
    ]
    for args in parsed:
        assert (args.ca, args.cert, args.key, args.token_file) == (files["ca"], files["cert"], files["key"], files["token"])
    with pytest.raises(SystemExit):
        replay._args(["--venue", "okx", "--file", "x.jsonl", "--key", str(files["key"])])
    with pytest.raises(SystemExit):
        live._args(["--venue", "okx", "--url", "wss://x", "--symbols", "BTC-USDT", "--cert", str(files["cert"])])
    with pytest.raises(SystemExit):
        listings._args(["publish", "--venue", "okx", "--file", "x.json", "--cert", str(files["cert"])])
    assert capsys.readouterr().err.count("--cert and --key go together") == 3


async def run_replay(*args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "tidegate_adapters.replay", *args, cwd=PROJECT,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 90)
    return proc.returncode or 0, out.decode(), err.decode()


async def test_replay_publishes_to_a_gateway_that_requires_tls_and_a_token(secured_gateway: SecuredGateway) -> None:
    """The replay CLI with --ca, --cert/--key (mTLS) and --token-file publishes every OKX quote of
    the sample; a subscriber connected over TLS with the same token receives them all, exactly."""
    gw = secured_gateway
    adapter = Adapter(parser_for("okx"), clock=lambda: 1)
    expected = []
    async for raw in replay.file_messages(SAMPLE):
        expected += [t for t in adapter.feed(raw) if isinstance(t, data_pb2.QuoteTick)]
    assert expected
    got: list[ReceivedMessage] = []
    async with TidegateClient([gw.endpoint], client_name="secured-sub", tls=TlsSettings(ca_file=gw.pki.ca),
                              bearer_token=TokenFile(gw.token_file)) as sub:
        await sub.subscribe(["data.quotes.OKX.>"], got.append)
        rc, out, err = await run_replay("--venue", "okx", "--file", str(SAMPLE), "--endpoint", gw.endpoint,
                                        "--ca", str(gw.pki.ca), "--cert", str(gw.pki.client_chain),
                                        "--key", str(gw.pki.client_key), "--token-file", str(gw.token_file))
        assert rc == 0, err
        assert f"ticks={adapter.stats.ticks} published={adapter.stats.ticks} publish_failed=0" in out, out + err
        await until(lambda: len(got) >= len(expected), what=f"{len(expected)} quotes over TLS")
    quotes = [data_pb2.QuoteTick.FromString(m.payload) for m in got]
    key = lambda q: (q.instrument_id, q.ts_event, q.bid_price.units, q.ask_price.units)  # noqa: E731
    assert sorted(map(key, quotes)) == sorted(map(key, expected))


async def test_replay_with_a_wrong_token_exits_non_zero_saying_unauthenticated(
        secured_gateway: SecuredGateway, tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.token"
    wrong.write_text("not-the-token\n")
    rc, out, err = await run_replay("--venue", "okx", "--file", str(SAMPLE), "--endpoint", secured_gateway.endpoint,
                                    "--ca", str(secured_gateway.pki.ca), "--token-file", str(wrong),
                                    "--connect-timeout", "3")
    assert rc == 2, out + err
    assert "replay: UNAUTHENTICATED" in err, err
    assert "replay summary" not in out
