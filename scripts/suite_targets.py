"""The targets of issue 23, judged on one run of the benchmark suite (scripts/bench_suite.py): each
target compares the median of one Tidegate figure with a fixed threshold or with a multiple of the
medians of peer figures measured in the same run.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Mapping, Sequence

MET, MISSED, NOT_MEASURED = "met", "missed", "not measured"


@dataclass(frozen=True)
class Target:
    """One target: `figure`'s median `compare`s ('>=' or '<=') the threshold, which is `limit`
    when no peers are named, else `factor` times the largest median of the `peers`."""
    name: str
    what: str
    figure: str
    compare: str
    limit: float | None = None
    factor: float = 1.0
    peers: tuple[str, ...] = ()
    command: str = "scripts/bench-suite.sh"  # how to measure it when the suite did not

    def threshold(self, medians: Mapping[str, float]) -> float | None:
        if not self.peers:
            return self.limit
        values = [medians[p] for p in self.peers if p in medians]
        return self.factor * max(values) if len(values) == len(self.peers) else None

    def threshold_text(self) -> str:
        if not self.peers:
            return f"{self.compare} {self.limit:g}"
        scale = "" if self.factor == 1 else f"{self.factor:g} x "
        peers = self.peers[0] if len(self.peers) == 1 else f"max({', '.join(self.peers)})"
        return f"{self.compare} {scale}{peers}"


TARGETS = [
    Target("redis-vs-jetstream", "through Redis, delivered throughput at least JetStream's publish and consume",
           "tidegate.redis.max", ">=", peers=("nats.jetstream.pub", "nats.jetstream.consume")),
    Target("redis-paced-p99", "p99 latency at most 2 ms on Redis paced at 10,000 msg/s",
           "tidegate.redis.paced.p99", "<=", limit=2.0),
    Target("memory-vs-nats-core", "embedded (memory backend) at least half of NATS core pub/sub",
           "tidegate.memory.max", ">=", factor=0.5, peers=("nats.core.pubsub",)),
    Target("split-cpu-per-msg", "the gateway's own CPU per message, alone on one core, at most 1.5 us",
           "tidegate.split.cpu_per_msg", "<=", limit=1.5,
           command="CLIENT_TRACE=off GATEWAY_HEAP=4g DURATION=30 GATEWAY_ARGS=--retention.max-length=100000 "
                   "scripts/bench-split.sh off off off"),
]


def medians(figures: Sequence[Mapping[str, object]]) -> dict[str, float]:
    """Figure name -> median, for the figures of a result.json that have runs."""
    out = {}
    for f in figures:
        runs = f.get("runs") or []
        if runs:
            out[str(f["name"])] = float(statistics.median(runs))  # type: ignore[arg-type]
    return out


def evaluate(figures: Sequence[Mapping[str, object]], targets: Sequence[Target] = TARGETS) -> list[dict[str, object]]:
    """Every target, met / missed / not measured, with the medians it was judged on."""
    med = medians(figures)
    out: list[dict[str, object]] = []
    for t in targets:
        threshold = t.threshold(med)
        value = med.get(t.figure)
        if value is None or threshold is None:
            status = NOT_MEASURED
        elif t.compare == ">=":
            status = MET if value >= threshold else MISSED
        else:
            status = MET if value <= threshold else MISSED
        entry: dict[str, object] = {
            "name": t.name, "what": t.what, "figure": t.figure, "peers": list(t.peers), "compare": t.compare,
            "threshold_rule": t.threshold_text(),
            "threshold": None if threshold is None else round(threshold, 3),
            "medians": {name: round(med[name], 3) for name in (t.figure, *t.peers) if name in med},
            "status": status, "met": None if status == NOT_MEASURED else status == MET}
        if status == NOT_MEASURED:
            entry["command"] = t.command
        out.append(entry)
    return out


def summary_lines(targets: Sequence[Mapping[str, object]]) -> list[str]:
    """One plain-text line per target, for the suite's printed summary."""
    lines = []
    for t in targets:
        med: Mapping[str, float] = t["medians"]  # type: ignore[assignment]
        value = med.get(str(t["figure"]))
        if t["status"] == NOT_MEASURED:
            detail = f"not measured by the suite; {t.get('command', '')}"
        else:
            detail = f"{t['figure']} {value:g} {t['compare']} {t['threshold']:g} ({t['threshold_rule']})"
        lines.append(f"target {t['name']}: {str(t['status']).upper()}: {detail}")
    return lines
