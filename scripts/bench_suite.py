#!/usr/bin/env python3
"""The standard benchmark suite (run by scripts/bench-suite.sh, which builds what it needs and
passes its paths): every figure N times, round robin so that a machine's drift spreads over all of
them; Tidegate and the peers a user would pick instead (raw Redis XADD with redis-benchmark, NATS
core and JetStream with `nats bench`) on servers this script starts on free loopback ports.
Writes OUT/result.json (machine facts; per figure its runs, median, min, max; Tidegate as a ratio
of each peer; the targets of issue 23, met or missed) and OUT/report.html (self-contained: inline
SVG plots drawn with matplotlib). A missed target whose figure comes from the Java load tool gets one
extra run of that figure with JFR, kept as OUT/profile-TARGET.jfr and summarised in the report.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime
import io
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from html import escape as html_escape
from typing import Callable, Iterator

import suite_targets

ROOT = Path(__file__).resolve().parent.parent
PAYLOAD_BYTES = 200


@dataclass(frozen=True)
class Settings:
    """How long each run lasts: the full suite or the smoke (--quick)."""
    quick: bool
    warmup_s: float
    duration_s: int
    sdk_seconds: int
    redis_requests: int
    nats_msgs: int
    js_msgs: int
    split_warmup_s: int  # the split set-up: gateway JVM alone on one core (scripts/bench-split.sh)
    split_duration_s: int
    split_heap: str

    @staticmethod
    def of(quick: bool) -> Settings:
        if quick:
            return Settings(True, 2.0, 2, 1, 20_000, 50_000, 10_000, 4, 2, "1g")
        return Settings(False, 3.0, 8, 5, 300_000, 1_000_000, 200_000, 30, 10, "4g")


@dataclass
class Figure:
    """One measured figure: its runs, and what it is for the report."""
    name: str
    title: str
    unit: str
    better: str  # "higher" or "lower"
    kind: str  # "tidegate" or "peer"
    runs: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, object]:
        s: dict[str, object] = {"name": self.name, "title": self.title, "unit": self.unit, "better": self.better,
                                "kind": self.kind, "runs": [round(r, 3) for r in self.runs]}
        if self.runs:
            s.update(median=round(statistics.median(self.runs), 3), min=round(min(self.runs), 3),
                     max=round(max(self.runs), 3))
        else:
            s.update(median=None, min=None, max=None)
        return s


# every figure a run of the suite must give a number for
EXPECTED = ["tidegate.memory.max", "tidegate.redis.max", "tidegate.redis.paced.p50", "tidegate.redis.paced.p99",
            "tidegate.redis.paced.p99_9", "tidegate.memory.group", "tidegate.memory.fanout100",
            "tidegate.memory.topics1000", "tidegate.split.cpu_per_msg", "python.publish", "python.receive", "rust.publish", "rust.receive",
            "redis.xadd.p1", "redis.xadd.p16", "nats.core.pubsub", "nats.jetstream.pub", "nats.jetstream.consume"]

# Tidegate figure / peer figure pairs the report prints as a ratio: the same job done by each
RATIOS = [
    ("tidegate.memory.max", "nats.core.pubsub", "in-memory pub/sub, 1 publisher, 1 subscriber"),
    ("tidegate.redis.max", "redis.xadd.p1", "Tidegate on Redis vs XADD alone, unpipelined"),
    ("tidegate.redis.max", "redis.xadd.p16", "Tidegate on Redis vs XADD alone, pipelined 16"),
    ("tidegate.redis.max", "nats.jetstream.pub", "persistent publish: Redis Streams vs JetStream (file)"),
    ("tidegate.redis.max", "nats.jetstream.consume", "persistent delivery: Redis Streams vs JetStream consumer"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


@contextlib.contextmanager
def process(cmd: list[str], log: Path, port: int | None = None) -> Iterator[subprocess.Popen[bytes]]:
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    try:
        if port is not None:
            wait_port(port)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run(cmd: list[str], log: Path, timeout: float) -> str:
    """Runs cmd to the end; its output goes to log and is returned. Fails on a non-zero exit."""
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
    text = p.stdout.decode(errors="replace")
    log.write_text(text)
    if p.returncode != 0:
        raise RuntimeError(f"{cmd[0]} exited {p.returncode}; see {log}")
    return text


class Suite:
    """Runs the figures against servers started once for the whole suite; collects the results."""

    def __init__(self, args: argparse.Namespace, settings: Settings, work: Path) -> None:
        self.args = args
        self.s = settings
        self.work = work
        self.logs = args.out / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.figures: dict[str, Figure] = {}
        self.series: dict[str, list[int]] = {}  # figure -> messages received each second (first run)
        self.histograms: dict[str, list[str]] = {}  # figure -> .hgrm texts, one per run
        self.redis_port = free_port()
        self.nats_port = free_port()

    def figure(self, name: str, title: str, unit: str, kind: str, better: str = "higher") -> Figure:
        return self.figures.setdefault(name, Figure(name, title, unit, better, kind))

    # ------------------------------------------------------------------ Tidegate, in-process gateway

    def jfr_option(self, jfr: Path | None, delay_s: float) -> list[str]:
        """JFR from the end of the warm-up, written when the JVM exits; none when jfr is None."""
        if jfr is None:
            return []
        return [f"-XX:StartFlightRecording=delay={int(delay_s)}s,dumponexit=true,filename={jfr},settings=profile"]

    def load_tool(self, label: str, run_no: int, *options: str, jfr: Path | None = None) -> dict[str, object]:
        """One load tool run; with jfr, the extra profiled run, kept out of the report's plots."""
        tag = f"{label}-profile" if jfr else f"{label}-{run_no}"
        hgrm = self.logs / f"{tag}.hgrm"
        heap = "-Xmx1g" if self.s.quick else "-Xmx2g"
        cmd = ["java", "-XX:+UseZGC", heap, *self.jfr_option(jfr, self.s.warmup_s), "-cp", self.args.classpath,
               "io.tidegate.bench.LoadTool", "--warmup", f"{self.s.warmup_s}s", "--duration", f"{self.s.duration_s}s",
               "--payload-bytes", str(PAYLOAD_BYTES), "--histogram", str(hgrm), *options]
        text = run(cmd, self.logs / f"{tag}.log", timeout=180 + self.s.duration_s)
        result = json.loads(next(line for line in text.splitlines() if line.startswith('{"tool":"tidegate-loadtool"')))
        if jfr:
            return result
        if run_no == 1:
            self.series[label] = list(result["received_each_second"])  # type: ignore[arg-type]
        self.histograms.setdefault(label, []).append(hgrm.read_text())
        return result

    def redis_uri(self) -> str:
        subprocess.run(["redis-cli", "-p", str(self.redis_port), "flushall"], check=True, capture_output=True)
        return f"redis://127.0.0.1:{self.redis_port}"

    def tidegate_memory_max(self, n: int) -> None:
        r = self.load_tool("tidegate.memory.max", n, "--embedded", "memory")
        self.figure("tidegate.memory.max", "Tidegate, memory backend, max throughput (1 pub, 1 sub)", "msg/s",
                    "tidegate").runs.append(float(r["received_per_s"]))  # type: ignore[arg-type]

    def tidegate_redis_max(self, n: int) -> None:
        r = self.load_tool("tidegate.redis.max", n, "--embedded", self.redis_uri())
        self.figure("tidegate.redis.max", "Tidegate, Redis backend, max throughput (1 pub, 1 sub)", "msg/s",
                    "tidegate").runs.append(float(r["received_per_s"]))  # type: ignore[arg-type]

    def tidegate_redis_paced(self, n: int) -> None:
        r = self.load_tool("tidegate.redis.paced", n, "--embedded", self.redis_uri(), "--rate", "10000")
        lat: dict[str, float] = r["latency_us"]  # type: ignore[assignment]
        for key, label in (("p50", "p50"), ("p99", "p99"), ("p99_9", "p99.9")):
            self.figure(f"tidegate.redis.paced.{key}", f"Tidegate, Redis backend, 10k msg/s paced: {label} latency",
                        "ms", "tidegate", better="lower").runs.append(lat[key] / 1000)

    def tidegate_group(self, n: int) -> None:
        r = self.load_tool("tidegate.memory.group", n, "--embedded", "memory", "--subscribers", "4", "--group", "g")
        self.figure("tidegate.memory.group", "Tidegate, memory backend, GROUP of 4 members, max throughput", "msg/s",
                    "tidegate").runs.append(float(r["received_per_s"]))  # type: ignore[arg-type]

    def tidegate_fanout(self, n: int) -> None:
        r = self.load_tool("tidegate.memory.fanout100", n, "--embedded", "memory", "--subscribers", "100",
                           "--credit", "1000", "--max-backlog", "2000")
        self.figure("tidegate.memory.fanout100", "Tidegate, memory backend, fan-out to 100 subscribers (deliveries)",
                    "deliv/s", "tidegate").runs.append(float(r["received_per_s"]))  # type: ignore[arg-type]

    def tidegate_topics(self, n: int) -> None:
        r = self.load_tool("tidegate.memory.topics1000", n, "--embedded", "memory", "--topics", "1000")
        self.figure("tidegate.memory.topics1000", "Tidegate, memory backend, 1,000 topics, max throughput", "msg/s",
                    "tidegate").runs.append(float(r["received_per_s"]))  # type: ignore[arg-type]

    # ------------------------------------------------------------------ Tidegate, gateway alone on one core

    def tidegate_split(self, n: int, jfr: Path | None = None) -> None:
        """scripts/bench-split.sh's method, tracing off: the gateway in its own JVM pinned to core 0
        (memory backend, retention 100,000), the load tool on the other cores; the gateway's CPU over
        the measured window read from /proc and divided by the messages received in it."""
        cpus = os.cpu_count() or 1
        pin_gateway, pin_clients = [], []
        if cpus > 1 and shutil.which("taskset"):
            pin_gateway, pin_clients = ["taskset", "-c", "0"], ["taskset", "-c", f"1-{cpus - 1}"]
        port, heap = free_port(), self.s.split_heap
        warmup, duration = self.s.split_warmup_s, self.s.split_duration_s
        tag = "profile" if jfr else str(n)
        gateway = [*pin_gateway, "java", "-XX:+UseZGC", *self.jfr_option(jfr, warmup), f"-Xms{heap}", f"-Xmx{heap}",
                   "-cp", self.args.classpath, "io.tidegate.gateway.Main", "--grpc.host=127.0.0.1",
                   f"--grpc.port={port}", "--http.port=0", "--otel.enabled=false", "--retention.max-length=100000"]
        load = [*pin_clients, "java", "-XX:+UseZGC", f"-Xms{heap}", f"-Xmx{heap}", "-cp", self.args.classpath,
                "io.tidegate.bench.LoadTool", "--endpoint", f"127.0.0.1:{port}", "--warmup", f"{warmup}s",
                "--duration", f"{duration}s", "--trace", "off", "--payload-bytes", str(PAYLOAD_BYTES)]
        load_log = self.logs / f"tidegate.split-{tag}.log"
        with process(gateway, self.logs / f"gateway-split-{tag}.log", port) as gw, open(load_log, "wb") as out:
            client = subprocess.Popen(load, stdout=out, stderr=subprocess.STDOUT)
            try:
                time.sleep(warmup)
                before = cpu_ticks(gw.pid)
                time.sleep(duration)
                after = cpu_ticks(gw.pid)
                if client.wait(120) != 0:
                    raise RuntimeError(f"the load tool exited {client.returncode}; see {load_log}")
            finally:
                if client.poll() is None:
                    client.kill()
                    client.wait()
        if jfr:
            return
        r = json.loads(next(line for line in load_log.read_text().splitlines() if line.startswith('{"tool":"tidegate-loadtool"')))
        messages = float(r["received_per_s"]) * float(r["seconds"])
        cpu_us = (after - before) / os.sysconf("SC_CLK_TCK") * 1e6
        self.figure("tidegate.split.cpu_per_msg", "Tidegate gateway alone on one core (memory backend): its CPU per "
                    "message", "us/msg", "tidegate", better="lower").runs.append(cpu_us / messages)

    # ------------------------------------------------------------------ SDKs against the gateway jar

    def sdk(self, language: str, n: int) -> None:
        port = free_port()
        gateway = ["java", "-XX:+UseZGC", "-Xmx2g", "-jar", self.args.jar, "--grpc.host=127.0.0.1",
                   f"--grpc.port={port}", "--http.port=-1", "--backend.type=memory"]
        if language == "python":
            client = [sys.executable, str(ROOT / "sdk-python" / "bench" / "publish_receive.py")]
        else:
            client = [self.args.rust_bench]
        with process(gateway, self.logs / f"gateway-{language}-{n}.log", port):
            text = run([*client, f"127.0.0.1:{port}", str(self.s.sdk_seconds), str(PAYLOAD_BYTES)],
                       self.logs / f"{language}-{n}.log", timeout=120)
        r = json.loads(text.strip().splitlines()[-1])
        name = "Python" if language == "python" else "Rust"
        self.figure(f"{language}.publish", f"{name} SDK publish rate (acked, no subscriber)", "msg/s",
                    "tidegate").runs.append(float(r["publish_per_s"]))
        self.figure(f"{language}.receive", f"{name} SDK receive rate (1 publisher, 1 subscriber)", "msg/s",
                    "tidegate").runs.append(float(r["receive_per_s"]))

    def python_sdk(self, n: int) -> None:
        self.sdk("python", n)

    def rust_sdk(self, n: int) -> None:
        self.sdk("rust", n)

    # ------------------------------------------------------------------ peers

    def redis_xadd(self, n: int) -> None:
        payload = "x" * PAYLOAD_BYTES
        for pipeline in (1, 16):
            self.redis_uri()  # empty Redis for each
            text = run(["redis-benchmark", "-p", str(self.redis_port), "-n", str(self.s.redis_requests), "-c", "50",
                        "-P", str(pipeline), "--csv", "XADD", "bench:stream", "MAXLEN", "~", "1000000", "*", "p", payload],
                       self.logs / f"redis-xadd-p{pipeline}-{n}.log", timeout=300)
            row = [line for line in text.splitlines() if line.startswith('"XADD')][-1]
            rps = float(row.split(",")[1].strip('"'))
            self.figure(f"redis.xadd.p{pipeline}", f"redis-benchmark XADD, 50 clients, pipeline {pipeline}", "msg/s",
                        "peer").runs.append(rps)

    def nats_rate(self, text: str, what: str) -> float:
        m = re.search(what + r"[^\n]*? stats: ([\d,]+) msgs/sec", text)
        if not m:
            raise RuntimeError(f"no '{what} stats' line in nats bench output")
        return float(m.group(1).replace(",", ""))

    def nats_core(self, n: int) -> None:
        server = f"nats://127.0.0.1:{self.nats_port}"
        subject = f"bench.core.{n}"
        common = ["--msgs", str(self.s.nats_msgs), "--size", f"{PAYLOAD_BYTES}B", "--no-progress"]
        sub_log = self.logs / f"nats-core-sub-{n}.log"
        with open(sub_log, "wb") as out:
            sub = subprocess.Popen([self.args.nats, "-s", server, "bench", "sub", subject, *common],
                                   stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 10  # the subscriber announces itself before the publisher starts
            while "Starting Core NATS subscriber," not in sub_log.read_text() and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(0.3)
            run([self.args.nats, "-s", server, "bench", "pub", subject, *common],
                self.logs / f"nats-core-pub-{n}.log", timeout=300)
            sub.wait(120)
        finally:
            if sub.poll() is None:
                sub.kill()
                sub.wait()
        self.figure("nats.core.pubsub", "NATS core pub/sub, 1 publisher, 1 subscriber (received)", "msg/s",
                    "peer").runs.append(self.nats_rate(sub_log.read_text(), "subscriber"))

    def nats_jetstream(self, n: int) -> None:
        server = f"nats://127.0.0.1:{self.nats_port}"
        common = ["--msgs", str(self.s.js_msgs), "--size", f"{PAYLOAD_BYTES}B", "--no-progress", "--stream", "suite"]
        pub = run([self.args.nats, "-s", server, "bench", "js", "pub", "async", "bench.js", *common, "--create",
                   "--storage", "file", "--purge"], self.logs / f"nats-js-pub-{n}.log", timeout=300)
        self.figure("nats.jetstream.pub", "NATS JetStream async publish, file storage (acked)", "msg/s",
                    "peer").runs.append(self.nats_rate(pub, "publisher"))
        # nats bench creates its durable consumer only when none of that name exists: start it afresh
        subprocess.run([self.args.nats, "-s", server, "consumer", "rm", "suite", "nats-bench", "-f"], capture_output=True)
        consume = run([self.args.nats, "-s", server, "bench", "js", "consume", *common],
                      self.logs / f"nats-js-consume-{n}.log", timeout=300)
        self.figure("nats.jetstream.consume", "NATS JetStream durable consumer, explicit acks", "msg/s",
                    "peer").runs.append(self.nats_rate(consume, "consumer"))

    # ------------------------------------------------------------------ profiles of missed targets

    def profilers(self) -> dict[str, Callable[[Path], None]]:
        """Target figure -> one extra run of it with JFR into the given file (Java load tool figures)."""
        return {
            "tidegate.redis.max": lambda jfr: self.load_tool("tidegate.redis.max", 0, "--embedded", self.redis_uri(),
                                                             jfr=jfr),
            "tidegate.redis.paced.p99": lambda jfr: self.load_tool("tidegate.redis.paced", 0, "--embedded",
                                                                   self.redis_uri(), "--rate", "10000", jfr=jfr),
            "tidegate.memory.max": lambda jfr: self.load_tool("tidegate.memory.max", 0, "--embedded", "memory", jfr=jfr),
            "tidegate.split.cpu_per_msg": lambda jfr: self.tidegate_split(0, jfr=jfr),
        }

    def profile_missed(self, targets: list[dict[str, object]], errors: list[str]) -> None:
        """Adds a "profile" to every missed target with a profiler: the JFR summary (ProfileSummary)."""
        for t in targets:
            profiler = self.profilers().get(str(t["figure"]))
            if t["status"] != suite_targets.MISSED or profiler is None:
                continue
            jfr = self.args.out / f"profile-{t['name']}.jfr"
            started = time.monotonic()
            try:
                jfr.unlink(missing_ok=True)
                profiler(jfr)
                text = run(["java", "-cp", self.args.classpath, "io.tidegate.bench.suite.ProfileSummary", str(jfr),
                            "15"], self.logs / f"profile-{t['name']}.log", timeout=120)
                t["profile"] = {"figure": t["figure"], "jfr": jfr.name, **json.loads(text.strip().splitlines()[-1])}
                print(f"bench-suite: profile of missed target {t['name']}: {time.monotonic() - started:.1f} s", flush=True)
            except Exception as e:  # a failed profile is reported; the figures stand
                errors.append(f"profile {t['name']}: {e}")
                print(f"bench-suite: profile {t['name']} FAILED: {e}", file=sys.stderr, flush=True)

    # ------------------------------------------------------------------ the run

    def steps(self) -> list[tuple[str, Callable[[int], None]]]:
        return [("tidegate memory max", self.tidegate_memory_max), ("tidegate redis max", self.tidegate_redis_max),
                ("tidegate redis paced 10k", self.tidegate_redis_paced), ("tidegate group", self.tidegate_group),
                ("tidegate fan-out 100", self.tidegate_fanout), ("tidegate 1000 topics", self.tidegate_topics),
                ("tidegate split, gateway on one core", self.tidegate_split),
                ("python sdk", self.python_sdk), ("rust sdk", self.rust_sdk), ("redis xadd", self.redis_xadd),
                ("nats core", self.nats_core), ("nats jetstream", self.nats_jetstream)]

    def run_all(self) -> tuple[list[str], list[dict[str, object]]]:
        """Every figure, round robin; then the targets judged, and the missed ones profiled."""
        errors: list[str] = []
        redis = ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no"]
        nats = [self.args.nats_server, "-a", "127.0.0.1", "-p", str(self.nats_port), "-js", "-sd", str(self.work / "js")]
        with process(redis, self.logs / "redis-server.log", self.redis_port), \
                process(nats, self.logs / "nats-server.log", self.nats_port):
            for n in range(1, self.args.runs + 1):
                for label, step in self.steps():
                    started = time.monotonic()
                    try:
                        step(n)
                        print(f"bench-suite: run {n}/{self.args.runs} {label}: {time.monotonic() - started:.1f} s",
                              flush=True)
                    except Exception as e:  # one failed run is reported and the suite goes on
                        errors.append(f"run {n} {label}: {e}")
                        print(f"bench-suite: run {n}/{self.args.runs} {label} FAILED: {e}", file=sys.stderr, flush=True)
            targets = suite_targets.evaluate([f.summary() for f in self.figures.values()])
            self.profile_missed(targets, errors)
        return errors, targets


def cpu_ticks(pid: int) -> int:
    """User + system CPU of a process so far, in clock ticks (/proc/PID/stat fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def machine(kind: str) -> dict[str, object]:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
                   cpu)
    java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()
    return {"kind": kind, "cores": os.cpu_count(), "cpu": cpu, "jvm": java[0] if java else "?",
            "os": f"{platform.system()} {platform.release()}", "python": platform.python_version(),
            "redis": subprocess.run(["redis-server", "--version"], capture_output=True, text=True).stdout.strip(),
            "load_average": [round(x, 2) for x in os.getloadavg()]}


def ratios(figures: dict[str, Figure]) -> list[dict[str, object]]:
    out = []
    for tidegate, peer, what in RATIOS:
        t, p = figures.get(tidegate), figures.get(peer)
        if t and p and t.runs and p.runs:
            tm, pm = statistics.median(t.runs), statistics.median(p.runs)
            out.append({"tidegate": tidegate, "peer": peer, "what": what, "tidegate_median": round(tm, 1),
                        "peer_median": round(pm, 1), "ratio": round(tm / pm, 3) if pm else None})
    return out


# ---------------------------------------------------------------------- report


def svg(fig: object) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")  # type: ignore[attr-defined]
    text = buf.getvalue()
    return text[text.index("<svg"):]


def parse_hgrm(text: str) -> tuple[list[float], list[float]]:
    """(value ms, 1/(1-percentile)) points of an HdrHistogram percentile distribution in µs."""
    values, inverse = [], []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 4 and not line.startswith("#"):
            with contextlib.suppress(ValueError):
                v, p = float(parts[0]), float(parts[1])
                if p < 1:
                    values.append(v / 1000)
                    inverse.append(1 / (1 - p))
    return values, inverse


def report(result: dict[str, object], suite: Suite, path: Path) -> None:
    import matplotlib
    matplotlib.use("svg")
    import matplotlib.pyplot as plt
    plt.rcParams["svg.fonttype"] = "none"
    plots: list[tuple[str, str]] = []

    fig, ax = plt.subplots(figsize=(8, 4))
    for i, text in enumerate(suite.histograms.get("tidegate.redis.paced", []), 1):
        v, inv = parse_hgrm(text)
        ax.plot(inv, v, label=f"run {i}")
    ax.set_xscale("log")
    ax.set_xticks([1, 2, 10, 100, 1000, 10000])
    ax.set_xticklabels(["0%", "50%", "90%", "99%", "99.9%", "99.99%"])
    ax.set_xlabel("percentile")
    ax.set_ylabel("latency (ms)")
    ax.set_title("Tidegate on Redis, 10k msg/s paced: latency by percentile (HdrHistogram)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    plots.append(("Latency percentile curve", svg(fig)))
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(8, 4))
    for label, counts in suite.series.items():
        if label != "tidegate.redis.paced" and counts:
            ax.plot(range(1, len(counts) + 1), counts, marker="o", label=label)
    ax.set_xlabel("second of the measured window (run 1)")
    ax.set_ylabel("received per second")
    ax.set_title("Tidegate throughput over the run")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small")
    plots.append(("Throughput over the run", svg(fig)))
    plt.close(fig)

    rs: list[dict[str, object]] = result["ratios"]  # type: ignore[assignment]
    if rs:
        fig, ax = plt.subplots(figsize=(9, 0.9 * len(rs) + 1))
        y = range(len(rs))
        ax.barh([i + 0.2 for i in y], [float(r["tidegate_median"]) for r in rs], 0.4, label="Tidegate")  # type: ignore[arg-type]
        ax.barh([i - 0.2 for i in y], [float(r["peer_median"]) for r in rs], 0.4, label="peer")  # type: ignore[arg-type]
        ax.set_yticks(list(y))
        ax.set_yticklabels([f"{r['tidegate']}\nvs {r['peer']}\n= {r['ratio']}x" for r in rs], fontsize="small")
        ax.set_xscale("log")
        ax.set_xlabel("msg/s (median, log scale)")
        ax.set_title("Tidegate and the peers, side by side")
        ax.invert_yaxis()
        ax.legend()
        plots.append(("Tidegate and the peers", svg(fig)))
        plt.close(fig)

    m: dict[str, object] = result["machine"]  # type: ignore[assignment]
    rows = "".join(
        f"<tr><td>{f['name']}</td><td>{f['title']}</td><td>{f['unit']}</td><td>{fmt(f['median'])}</td>"
        f"<td>{fmt(f['min'])}</td><td>{fmt(f['max'])}</td><td>{', '.join(fmt(r) for r in f['runs'])}</td></tr>"  # type: ignore[union-attr]
        for f in result["figures"])  # type: ignore[attr-defined]
    ratio_rows = "".join(f"<tr><td>{r['what']}</td><td>{r['tidegate']}</td><td>{r['peer']}</td>"
                         f"<td>{fmt(r['tidegate_median'])}</td><td>{fmt(r['peer_median'])}</td><td>{r['ratio']}</td></tr>"
                         for r in rs)
    targets: list[dict[str, object]] = result["targets"]  # type: ignore[assignment]
    html = f"""<!doctype html><html><head><meta charset="utf-8"><title>Tidegate benchmark suite</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:70em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:.2em .5em;text-align:right}}td:first-child,td:nth-child(2){{text-align:left}}
tr.met{{background:#d4f4d4}}tr.missed{{background:#f8d0d0}}tr.unmeasured{{background:#eee}}
svg{{max-width:100%;height:auto}}</style></head><body>
<h1>Tidegate benchmark suite</h1>
<p>{result['started']}; {result['runs']} run(s) per figure; command <code>{result['command']}</code></p>
<p>Machine: {m['kind']}, {m['cores']} cores, {m['cpu']}; {m['jvm']}; {m['os']}; {m['redis']};
load average before {m['load_average']}, after {result['load_average_after']}</p>
{targets_html(targets)}
<h2>Tidegate as a ratio of each peer</h2>
<table><tr><th>what</th><th>Tidegate</th><th>peer</th><th>Tidegate median</th><th>peer median</th><th>ratio</th></tr>
{ratio_rows}</table>
<h2>Figures</h2>
<table><tr><th>figure</th><th>what</th><th>unit</th><th>median</th><th>min</th><th>max</th><th>runs</th></tr>{rows}</table>
{''.join(f'<h2>{title}</h2>{body}' for title, body in plots)}
<p>Errors: {', '.join(result['errors']) or 'none'}</p>  
</body></html>"""  # type: ignore[arg-type]
    path.write_text(html)


def targets_html(targets: list[dict[str, object]]) -> str:
    """The targets table (green met, red missed, grey not measured), then each missed target's profile."""
    rows = []
    for t in targets:
        med: dict[str, float] = t["medians"]  # type: ignore[assignment]
        css = {"met": "met", "missed": "missed"}.get(str(t["status"]), "unmeasured")
        medians = "<br>".join(f"{name} {fmt(v)}" for name, v in med.items())
        status = str(t["status"]) + (f": <code>{html_escape(str(t['command']))}</code>" if t.get("command") else "")
        rows.append(f"<tr class='{css}'><td>{t['name']}</td><td>{html_escape(str(t['what']))}</td><td>{t['figure']} "
                    f"{html_escape(str(t['threshold_rule']))}</td><td>{medians or '-'}</td><td>{fmt(t['threshold'])}</td>"
                    f"<td>{status}</td></tr>")
    profiles = "".join(profile_html(t) for t in targets if t.get("profile"))
    return (f"<h2>Targets (issue 23, this run)</h2><table><tr><th>target</th><th>what</th><th>rule</th><th>medians</th>"
            f"<th>threshold</th><th>status</th></tr>{''.join(rows)}</table>{profiles}")


def profile_html(t: dict[str, object]) -> str:
    p: dict[str, object] = t["profile"]  # type: ignore[assignment]
    def table(rows: object, head: str) -> str:
        body = "".join(f"<tr><td>{html_escape(str(r['name']))}</td><td>{r['samples']}</td><td>{r['share']:.1%}</td></tr>"
                       for r in rows)  # type: ignore[attr-defined]
        return f"<table><tr><th>{head}</th><th>samples</th><th>share</th></tr>{body}</table>"
    return (f"<h3>Profile of missed target {t['name']}: one extra run of {p['figure']} with JFR</h3>"
            f"<p>{p['samples']} execution samples in <a href='{p['jfr']}'>{p['jfr']}</a> (the measured window). "
            f"Owner: the package of the first frame from the top outside the JDK (jdk: JDK frames only).</p>"
            f"{table(p['owners'], 'owner')}<p>Top methods by self samples:</p>{table(p['topMethods'], 'method')}")


def fmt(v: object) -> str:
    if v is None:
        return "-"
    x = float(v)  # type: ignore[arg-type]
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--classpath", required=True)
    ap.add_argument("--jar", required=True)
    ap.add_argument("--rust-bench", required=True)
    ap.add_argument("--nats", required=True)
    ap.add_argument("--nats-server", default=shutil.which("nats-server") or "nats-server")
    ap.add_argument("--machine-kind", default=os.environ.get("BENCH_MACHINE_KIND", "polyglot"))
    ap.add_argument("--command", default="scripts/bench-suite.sh")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    settings = Settings.of(args.quick)
    started = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    facts = machine(args.machine_kind)
    with tempfile.TemporaryDirectory(prefix="bench-suite-") as tmp:
        suite = Suite(args, settings, Path(tmp))
        errors, targets = suite.run_all()
    missing = [name for name in EXPECTED if not suite.figures.get(name) or not suite.figures[name].runs]
    if missing:
        errors.append(f"figures without a number: {', '.join(missing)}")
    figures = [f.summary() for f in suite.figures.values()]
    result: dict[str, object] = {
        "suite": "tidegate-bench-suite", "format": 1, "started": started, "command": args.command,
        "runs": args.runs, "quick": args.quick, "machine": facts,
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "settings": {"warmup_s": settings.warmup_s, "duration_s": settings.duration_s,
                     "sdk_seconds": settings.sdk_seconds, "payload_bytes": PAYLOAD_BYTES,
                     "redis_requests": settings.redis_requests, "nats_msgs": settings.nats_msgs,
                     "jetstream_msgs": settings.js_msgs},
        "figures": figures, "ratios": ratios(suite.figures), "targets": targets, "errors": errors,
        "series": suite.series,
    }
    (args.out / "result.json").write_text(json.dumps(result, indent=1) + "\n")
    report(result, suite, args.out / "report.html")
    print(table(result))
    print(f"bench-suite: wrote {args.out / 'result.json'} and {args.out / 'report.html'}")
    return 1 if errors else 0


def table(result: dict[str, object]) -> str:
    lines = [f"{'figure':<30} {'unit':<8} {'median':>12} {'min':>12} {'max':>12}"]
    for f in result["figures"]:  # type: ignore[attr-defined]
        lines.append(f"{f['name']:<30} {f['unit']:<8} {fmt(f['median']):>12} {fmt(f['min']):>12} {fmt(f['max']):>12}")
    for r in result["ratios"]:  # type: ignore[attr-defined]
        lines.append(f"ratio {r['tidegate']} / {r['peer']}: {r['ratio']}")
    for t in result["targets"]:  # type: ignore[attr-defined]
        lines.extend(suite_targets.summary_lines([t]))
        profile = t.get("profile")
        if profile:
            owners = ", ".join(f"{o['name']} {o['share']:.0%}" for o in profile["owners"][:4])
            top = profile["topMethods"][0]["name"] if profile["topMethods"] else "-"
            lines.append(f"  profile {profile['jfr']} ({profile['samples']} samples): {owners}; top method {top}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
