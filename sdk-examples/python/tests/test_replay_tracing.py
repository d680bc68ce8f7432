"""OTLP export of the replay CLI to a real OTLP/gRPC receiver, against a real gateway jar."""
from __future__ import annotations

import asyncio
import os
import sys
from concurrent import futures
from pathlib import Path

import grpc
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc

PROJECT = Path(__file__).resolve().parent.parent


class OtlpReceiver(trace_service_pb2_grpc.TraceServiceServicer):
    """A real OTLP/gRPC trace receiver on a free loopback port that keeps what it is sent."""

    def __init__(self) -> None:
        self.requests: list[trace_service_pb2.ExportTraceServiceRequest] = []
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
        trace_service_pb2_grpc.add_TraceServiceServicer_to_server(self, self.server)
        self.port = self.server.add_insecure_port("127.0.0.1:0")
        self.server.start()

    def Export(self, request, context):  # type: ignore[no-untyped-def] # noqa: N802 - the gRPC method name
        self.requests.append(request)
        return trace_service_pb2.ExportTraceServiceResponse()

    def spans(self) -> list[tuple[dict[str, str], object]]:
        out = []
        for req in self.requests:
            for rs in req.resource_spans:
                resource = {a.key: a.value.string_value for a in rs.resource.attributes}
                out.extend((resource, s) for ss in rs.scope_spans for s in ss.spans)
        return out


async def test_replay_cli_exports_its_publish_spans_over_otlp(endpoint: str) -> None:
    receiver = OtlpReceiver()
    try:
        env = {**os.environ, "OTEL_BSP_SCHEDULE_DELAY": "100"}
        env.pop("OTEL_EXPORTER_OTLP_ENDPOINT", None)
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tidegate_adapters.replay", "--venue", "okx", "--file", "samples/okx.jsonl",
            "--endpoint", endpoint, "--otlp-endpoint", f"http://127.0.0.1:{receiver.port}",
            "--service-name", "okx-feed", cwd=PROJECT, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(proc.communicate(), 60)
        assert proc.returncode == 0, err.decode()
        assert "published=22" in out.decode()  # the OKX sample: quotes and trades
        exported = receiver.spans()  # the CLI flushed before it exited
    finally:
        receiver.server.stop(0)
    publishes = [(r, s) for r, s in exported if s.name.startswith("publish data.")]
    assert len(publishes) == 22
    assert all(r["service.name"] == "okx-feed" for r, _ in exported)
    assert {s.name for _, s in publishes} >= {"publish data.quotes.OKX.BTCUSDT", "publish data.trades.OKX.ETHUSDT"}
    assert all(s.kind == s.SPAN_KIND_PRODUCER for _, s in publishes)
