"""Typed errors: every failure the gateway reports carries its gRPC status code and message."""
from __future__ import annotations

import grpc

_BY_VALUE: dict[int, grpc.StatusCode] = {c.value[0]: c for c in grpc.StatusCode}


def status_code(value: int) -> grpc.StatusCode:
    """Maps a google.rpc.Code number (as in ``tidegate.v1.Error.code``) to a grpc.StatusCode."""
    return _BY_VALUE.get(value, grpc.StatusCode.UNKNOWN)


class TidegateError(Exception):
    """An error reported by the gateway (or by the client on its behalf)."""

    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(f"{code.name}: {message}")
        self.code = code
        self.message = message


class PublishError(TidegateError):
    """A publish the gateway rejected (or that could not be delivered to it)."""

    def __init__(self, message_id: str, code: grpc.StatusCode, message: str) -> None:
        super().__init__(code, message)
        self.message_id = message_id


class SubscribeError(TidegateError):
    """A subscription the gateway refused."""

    def __init__(self, subscription_id: str, code: grpc.StatusCode, message: str) -> None:
        super().__init__(code, message)
        self.subscription_id = subscription_id
