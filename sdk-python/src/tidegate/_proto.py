"""The generated stubs, imported in one place with a clear message when they are missing."""
from __future__ import annotations

try:
    from tidegate.market.v1 import common_pb2, data_pb2, orders_pb2, regime_pb2
    from tidegate.v1 import gateway_pb2 as pb
    from tidegate.v1 import gateway_pb2_grpc as pb_grpc
    from tidegate.v1 import books_pb2, books_pb2_grpc
    from tidegate.v1 import intelligence_pb2, intelligence_pb2_grpc
    from tidegate.v1 import risk_pb2, risk_pb2_grpc
except ImportError as e:  # pragma: no cover - depends on the build step
    raise ImportError(
        "tidegate: the generated protobuf stubs are missing; install the package with pip "
        "(`pip install ./sdk-python` or `pip install -e ./sdk-python`: the build generates them), "
        "or run `python generate_stubs.py` in sdk-python (needs grpcio-tools)"
    ) from e

__all__ = ["pb", "pb_grpc", "books_pb2", "books_pb2_grpc", "common_pb2", "data_pb2", "orders_pb2", "regime_pb2",
           "intelligence_pb2",
           "intelligence_pb2_grpc", "risk_pb2", "risk_pb2_grpc"]
