"""Publish and receive rates of this SDK against a running gateway, for the benchmark suite
(``scripts/bench-suite.sh``). Two phases on fresh topics: the publisher alone (publish rate: messages
acknowledged per second), then the publisher with one broadcast subscriber (receive rate: messages
handled per second). Prints one JSON line.

    python publish_receive.py 127.0.0.1:7400 [seconds=5] [payload_bytes=200]
"""
from __future__ import annotations

import asyncio
import json
import os
import sys
import time

from tidegate import Message, TidegateClient

# publishes awaiting acks at once: enough to fill batches while earlier ones are acknowledged
IN_FLIGHT = 5_000
# unmeasured time after a phase's first ack before its window: the gateway's JIT
WARMUP = 1.0


class Counters:
    """Acked and received counts of one phase; touched only on the event loop."""

    def __init__(self) -> None:
        self.acked = 0
        self.received = 0

    def on_message(self, _msg: object) -> None:
        self.received += 1


async def publish_loop(client: TidegateClient, topic: str, payload: bytes, counters: Counters,
                       stop: asyncio.Event) -> None:
    window = asyncio.Semaphore(IN_FLIGHT)

    def done(f: asyncio.Future[object]) -> None:
        window.release()
        if not f.cancelled() and f.exception() is None:
            counters.acked += 1

    while not stop.is_set():
        await window.acquire()
        client.publish(Message(topic=topic, payload=payload)).add_done_callback(done)
    await client.flush(30)


async def phase(client: TidegateClient, topic: str, payload: bytes, seconds: float,
                subscribe: bool) -> tuple[float, float]:
    """Returns (acked/s, received/s) over the window after the warmup."""
    counters = Counters()
    sub = await client.subscribe([topic], counters.on_message, credit=10_000) if subscribe else None
    stop = asyncio.Event()
    task = asyncio.create_task(publish_loop(client, topic, payload, counters, stop))
    # the first acks take long on a cold gateway: the window starts WARMUP after them
    deadline = time.monotonic() + 60
    while counters.acked == 0 and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    await asyncio.sleep(WARMUP)
    a0, r0, t0 = counters.acked, counters.received, time.monotonic()
    await asyncio.sleep(seconds)
    a1, r1, elapsed = counters.acked, counters.received, time.monotonic() - t0
    stop.set()
    await task
    if sub is not None:
        await sub.close()
    return (a1 - a0) / elapsed, (r1 - r0) / elapsed


async def main(endpoint: str, seconds: float, payload_bytes: int) -> None:
    run = f"py{os.getpid()}"
    payload = b"x" * payload_bytes
    # connect_timeout: a gateway that just started on a busy machine can be slow to welcome
    async with TidegateClient([endpoint], client_name="py-bench", tracing=False, connect_timeout=60) as client:
        publish, _ = await phase(client, f"bench.{run}.pub", payload, seconds, subscribe=False)
        _, receive = await phase(client, f"bench.{run}.sub", payload, seconds, subscribe=True)
    print(json.dumps({"publish_per_s": round(publish, 1), "receive_per_s": round(receive, 1),
                      "seconds": seconds, "payload_bytes": payload_bytes}))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: publish_receive.py HOST:PORT [seconds] [payload_bytes]")
    asyncio.run(main(sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 5.0,
                     int(sys.argv[3]) if len(sys.argv) > 3 else 200))
