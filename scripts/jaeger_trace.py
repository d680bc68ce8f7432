#!/usr/bin/env python3
"""Prints traces from Jaeger's HTTP query API as indented span trees (the Jaeger binary built from
the Go module serves a placeholder instead of the web UI; the API is complete).

    scripts/jaeger_trace.py --query http://127.0.0.1:16686 --service tidegate-python-adapter --limit 3
    scripts/jaeger_trace.py --query http://127.0.0.1:16686 --trace-id 4bf92f3577b34da6a3ce929d0e0e4736

Each line: service[instance] span name (kind) duration, then the messaging.* and tidegate.*
attributes. Standard library only; the e2e test imports ``fetch_traces`` and ``Trace``.
"""
from __future__ import annotations

import argparse
import json
import sys
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any


@dataclass
class SpanView:
    span_id: str
    parent_id: str  # "" for a root (or a parent outside this trace)
    name: str
    service: str
    instance: str
    kind: str
    duration_us: int
    tags: dict[str, Any]
    links: list[tuple[str, str]]  # (trace id, span id) of FOLLOWS_FROM references
    children: list[SpanView] = field(default_factory=list)


@dataclass
class Trace:
    trace_id: str
    spans: dict[str, SpanView]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Trace:
        processes = {pid: (p["serviceName"], {t["key"]: t["value"] for t in p.get("tags", [])})
                     for pid, p in data.get("processes", {}).items()}
        spans: dict[str, SpanView] = {}
        for s in data["spans"]:
            # The parent is the CHILD_OF reference; Jaeger turns a parent that is also a link into a
            # FOLLOWS_FROM reference, so a span without CHILD_OF takes its first same-trace reference.
            refs = s.get("references", [])
            same_trace = [r for r in refs if r["traceID"] == s["traceID"]]
            parent = next((r["spanID"] for r in same_trace if r["refType"] == "CHILD_OF"),
                          same_trace[0]["spanID"] if same_trace else "")
            links = [(r["traceID"], r["spanID"]) for r in refs if r["refType"] == "FOLLOWS_FROM"]
            tags = {t["key"]: t["value"] for t in s.get("tags", [])}
            service, ptags = processes.get(s["processID"], ("?", {}))
            spans[s["spanID"]] = SpanView(s["spanID"], parent, s["operationName"], service,
                                          str(ptags.get("service.instance.id", "")), str(tags.get("span.kind", "")),
                                          int(s.get("duration", 0)), tags, links)
        for v in spans.values():
            if v.parent_id in spans:
                spans[v.parent_id].children.append(v)
        return cls(data["traceID"], spans)

    def roots(self) -> list[SpanView]:
        return [v for v in self.spans.values() if v.parent_id not in self.spans]

    def named(self, name: str) -> list[SpanView]:
        return [v for v in self.spans.values() if v.name == name]

    def render(self) -> str:
        lines = [f"trace {self.trace_id} ({len(self.spans)} spans)"]

        def walk(v: SpanView, depth: int) -> None:
            who = f"{v.service}[{v.instance}]" if v.instance else v.service
            attrs = " ".join(f"{k}={val}" for k, val in sorted(v.tags.items())
                             if k.startswith(("messaging.", "tidegate.")))
            lines.append(f"{'  ' * depth}{who} {v.name} ({v.kind or '?'}) {v.duration_us / 1000:.2f} ms  {attrs}")
            for c in sorted(v.children, key=lambda c: c.name):
                walk(c, depth + 1)

        for r in self.roots():
            walk(r, 1)
        return "\n".join(lines)


def _get(url: str, timeout: float) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=timeout) as r:  # noqa: S310 - a loopback URL given by the user
        return json.load(r)


def fetch_traces(query: str, *, service: str = "", trace_id: str = "", limit: int = 20,
                 lookback: str = "1h", timeout: float = 10.0) -> list[Trace]:
    """Traces of ``service`` (newest first, at most ``limit``) or the one trace ``trace_id``."""
    base = query.rstrip("/")
    if trace_id:
        url = f"{base}/api/traces/{trace_id}"
    else:
        url = f"{base}/api/traces?" + urllib.parse.urlencode({"service": service, "limit": limit,
                                                               "lookback": lookback})
    return [Trace.from_json(t) for t in _get(url, timeout).get("data") or []]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--query", default="http://127.0.0.1:16686", help="Jaeger query base URL")
    who = ap.add_mutually_exclusive_group(required=True)
    who.add_argument("--service", help="show the newest traces with spans of this service.name")
    who.add_argument("--trace-id", help="show this trace")
    ap.add_argument("--limit", type=int, default=5)
    args = ap.parse_args(argv)
    traces = fetch_traces(args.query, service=args.service or "", trace_id=args.trace_id or "", limit=args.limit)
    if not traces:
        print("no traces found", file=sys.stderr)
        return 1
    for t in traces:
        print(t.render())
    return 0


if __name__ == "__main__":
    sys.exit(main())
