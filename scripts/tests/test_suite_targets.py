"""The benchmark suite's targets (scripts/suite_targets.py) judged on synthetic results."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import suite_targets  # noqa: E402


def fig(name: str, *runs: float) -> dict[str, object]:
    return {"name": name, "runs": list(runs)}


ALL_MET = [
    fig("tidegate.redis.max", 100_000, 120_000, 110_000),
    fig("nats.jetstream.pub", 90_000, 100_000, 95_000),
    fig("nats.jetstream.consume", 105_000, 108_000, 109_000),
    fig("tidegate.redis.paced.p99", 1.2, 1.9, 3.5),
    fig("tidegate.memory.max", 500_000),
    fig("nats.core.pubsub", 1_000_000),
    fig("tidegate.split.cpu_per_msg", 1.4, 1.5, 9.0),
]


def by_name(targets: list[dict[str, object]]) -> dict[str, dict[str, object]]:
    return {str(t["name"]): t for t in targets}


def test_every_target_met_on_medians_not_on_single_runs() -> None:
    t = by_name(suite_targets.evaluate(ALL_MET))

    assert [x["status"] for x in t.values()] == ["met"] * 4
    assert t["redis-paced-p99"]["medians"] == {"tidegate.redis.paced.p99": 1.9}
    assert t["split-cpu-per-msg"]["threshold"] == 1.5


def test_throughput_below_the_larger_jetstream_median_is_missed() -> None:
    figures = [f for f in ALL_MET if f["name"] != "nats.jetstream.consume"]
    figures.append(fig("nats.jetstream.consume", 111_000, 112_000, 113_000))

    t = by_name(suite_targets.evaluate(figures))["redis-vs-jetstream"]

    assert t["status"] == "missed" and t["met"] is False
    assert t["threshold"] == 112_000
    assert t["medians"] == {"tidegate.redis.max": 110_000, "nats.jetstream.pub": 95_000,
                            "nats.jetstream.consume": 112_000}


def test_half_of_nats_core_is_the_threshold_for_memory() -> None:
    figures = [f for f in ALL_MET if f["name"] != "tidegate.memory.max"] + [fig("tidegate.memory.max", 499_999)]

    t = by_name(suite_targets.evaluate(figures))["memory-vs-nats-core"]

    assert (t["status"], t["threshold"], t["threshold_rule"]) == ("missed", 500_000, ">= 0.5 x nats.core.pubsub")


def test_lower_is_better_targets_are_missed_above_the_limit() -> None:
    figures = [f for f in ALL_MET if not str(f["name"]).startswith(("tidegate.redis.paced", "tidegate.split"))]
    figures += [fig("tidegate.redis.paced.p99", 2.01), fig("tidegate.split.cpu_per_msg", 2.8, 2.9, 2.7)]

    t = by_name(suite_targets.evaluate(figures))

    assert t["redis-paced-p99"]["status"] == "missed"
    assert t["split-cpu-per-msg"]["status"] == "missed"
    assert t["split-cpu-per-msg"]["medians"] == {"tidegate.split.cpu_per_msg": 2.8}


def test_a_figure_or_peer_without_runs_is_not_measured_and_names_the_command() -> None:
    figures = [f for f in ALL_MET if f["name"] not in ("tidegate.split.cpu_per_msg", "nats.core.pubsub")]
    figures.append(fig("nats.core.pubsub"))  # failed every run

    t = by_name(suite_targets.evaluate(figures))

    assert t["split-cpu-per-msg"]["status"] == "not measured" and t["split-cpu-per-msg"]["met"] is None
    assert "scripts/bench-split.sh" in str(t["split-cpu-per-msg"]["command"])
    assert t["memory-vs-nats-core"]["status"] == "not measured"
    lines = suite_targets.summary_lines(list(t.values()))
    assert lines[0] == ("target redis-vs-jetstream: MET: tidegate.redis.max 110000 >= 108000 "
                        "(>= max(nats.jetstream.pub, nats.jetstream.consume))")
    assert lines[3].startswith("target split-cpu-per-msg: NOT MEASURED: not measured by the suite; CLIENT_TRACE=off")
