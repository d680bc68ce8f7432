"""Small value types of the client API."""
from __future__ import annotations

import enum
from dataclasses import dataclass, field

from ._proto import pb


@dataclass(frozen=True)
class Position:
    """Where a message sits in its topic's stream; ``entry_id`` is ``"<millis>-<seq>"``."""

    topic: str
    entry_id: str

    @property
    def sort_key(self) -> tuple[int, int]:
        millis, _, seq = self.entry_id.partition("-")
        return int(millis), int(seq or 0)

    def to_proto(self) -> pb.Position:
        return pb.Position(topic=self.topic, entry_id=self.entry_id)

    @classmethod
    def from_proto(cls, p: pb.Position) -> Position:
        return cls(p.topic, p.entry_id)

    def __str__(self) -> str:
        return f"{self.topic}@{self.entry_id}"


@dataclass(frozen=True)
class BackendReset:
    """The gateway's backend lost its stored history (e.g. Redis was flushed or replaced by an
    empty one): messages stored before ``detected_at_ns`` (Unix ns) may be gone and were never
    delivered, and positions from before it no longer name them. The subscription stays open
    and goes on with what is stored from now on."""

    subscription_id: str
    reason: str
    detected_at_ns: int


@dataclass(frozen=True)
class Gap:
    """A BROADCAST subscription fell behind retention (or started at a position no longer
    retained): messages of ``topic`` after ``from_position`` were trimmed by the gateway's backend
    before this subscriber read them, and delivery goes on at ``to_position``. Handed to
    ``on_gap`` in delivery order: after the messages before the hole, before the first after it."""

    subscription_id: str
    topic: str
    #: the last position delivered on the topic, or the start position asked for; None when neither exists
    from_position: Position | None
    #: the first position delivered after the hole
    to_position: Position
    #: messages trimmed unread; None when the gateway cannot tell (a start older than what Redis retains)
    lost: int | None

    @classmethod
    def from_proto(cls, g: pb.Gap) -> Gap:
        # "from" is a Python keyword, so the field is reached with getattr
        start = Position.from_proto(getattr(g, "from")) if g.HasField("from") else None
        return cls(g.subscription_id, g.topic, start, Position.from_proto(g.to), g.lost if g.HasField("lost") else None)


@dataclass(frozen=True)
class PublishReceipt:
    """The gateway stored a message: its id, its position, and whether it was a duplicate."""

    message_id: str
    position: Position
    duplicate: bool = False


class SubscriptionMode(enum.IntEnum):
    BROADCAST = pb.SUBSCRIPTION_MODE_BROADCAST  # every subscriber gets every matching message
    GROUP = pb.SUBSCRIPTION_MODE_GROUP  # members of a named group share the messages


class DataKind(enum.StrEnum):
    """What a subscription by instrument gets of each listed market: its topics
    ``data.<kind>.<VENUE>.<native id>``."""

    QUOTES = "quotes"
    TRADES = "trades"
    BOOKS = "books"


class Priority(enum.IntEnum):
    CRITICAL = pb.PRIORITY_CRITICAL
    HIGH = pb.PRIORITY_HIGH
    NORMAL = pb.PRIORITY_NORMAL
    LOW = pb.PRIORITY_LOW
    BULK = pb.PRIORITY_BULK


@dataclass(frozen=True)
class Start:
    """Where a subscription starts: ``Start.latest()``, ``earliest()``, ``after(...)``, ``at(ns)``."""

    kind: int = pb.StartPosition.KIND_LATEST
    after_positions: tuple[Position, ...] = field(default_factory=tuple)
    timestamp_nanos: int = 0

    @classmethod
    def latest(cls) -> Start:
        return cls(pb.StartPosition.KIND_LATEST)

    @classmethod
    def earliest(cls) -> Start:
        return cls(pb.StartPosition.KIND_EARLIEST)

    @classmethod
    def after(cls, *positions: Position, timestamp_nanos: int = 0) -> Start:
        """Strictly after the given per-topic positions; other topics from ``timestamp_nanos``."""
        return cls(pb.StartPosition.KIND_POSITION, tuple(positions), timestamp_nanos)

    @classmethod
    def at(cls, timestamp_nanos: int) -> Start:
        """Messages the gateway accepted at or after ``timestamp_nanos`` (Unix ns)."""
        return cls(pb.StartPosition.KIND_TIMESTAMP, (), timestamp_nanos)

    def to_proto(self) -> pb.StartPosition:
        return pb.StartPosition(
            kind=self.kind,
            after=[p.to_proto() for p in self.after_positions],
            timestamp_nanos=self.timestamp_nanos,
        )
