"""Tidegate Python client: ``TidegateClient`` on grpc.aio. Wire types: ``tidegate.v1.gateway_pb2``
and ``tidegate.market.v1`` (generated from the protos when the package is built)."""
from ._proto import pb
from .client import TidegateClient
from .errors import PublishError, SubscribeError, TidegateError
from .security import TlsSettings
from .model import BackendReset, DataKind, Gap, Position, Priority, PublishReceipt, Start, SubscriptionMode
from .subscription import GapHandler, ReceivedMessage, ResetHandler, Subscription

Message = pb.Message

__all__ = [
    "TidegateClient", "TlsSettings", "Message", "Position", "Priority", "PublishReceipt", "Start", "SubscriptionMode", "DataKind",
    "ReceivedMessage", "Subscription", "BackendReset", "ResetHandler", "Gap", "GapHandler", "TidegateError", "PublishError", "SubscribeError", "pb",
]
