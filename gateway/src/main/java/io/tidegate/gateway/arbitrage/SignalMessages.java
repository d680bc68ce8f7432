package io.tidegate.gateway.arbitrage;

import io.tidegate.intelligence.arbitrage.ArbitrageSignal;
import io.tidegate.proto.market.v1.ArbitrageSignalKind;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.Priority;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Turns the detector's signals into gateway messages: an {@code ArbitrageSignal} payload on
 * {@link SignalTopic}, CRITICAL, ordered per instrument, with ids unique to this gateway run.
 * Thread-safe.
 */
final class SignalMessages {

    static final String CONTENT_TYPE = "application/x-protobuf; type=tidegate.market.v1.ArbitrageSignal";

    private final String idPrefix;
    private final AtomicLong sequence = new AtomicLong();
    /** Unix nanoseconds minus {@link System#nanoTime()}: turns the detector's clock into wall time. */
    private final long wallOffsetNanos;

    /** @param gatewayId with the start time, makes ids unique across runs (the dedup window outlives a restart) */
    SignalMessages(String gatewayId) {
        long wallNanos = System.currentTimeMillis() * 1_000_000L;
        this.wallOffsetNanos = wallNanos - System.nanoTime();
        this.idPrefix = gatewayId + "-arb-" + Long.toString(wallNanos / 1_000_000L, 36) + "-";
    }

    Message toMessage(ArbitrageSignal s) {
        String topic = SignalTopic.of(s.instrument());
        var payload = io.tidegate.proto.market.v1.ArbitrageSignal.newBuilder()
                .setInstrument(s.instrument().toString())
                .setKind(kind(s))
                .setBuyVenue(s.buyVenue())
                .setBuySymbol(s.buySymbol())
                .setBuyPrice(WirePrices.toDecimal(s.buyPrice()))
                .setSellVenue(s.sellVenue())
                .setSellSymbol(s.sellSymbol())
                .setSellPrice(WirePrices.toDecimal(s.sellPrice()))
                .setSize(WirePrices.toDecimal(s.size()))
                .setEdgeBps(s.edgeBps())
                .setBuyTsEvent(s.buyTsEvent())
                .setSellTsEvent(s.sellTsEvent())
                .setOpenedAt(wallOffsetNanos + s.openedAtNanos())
                .setDurationNanos(s.durationNanos())
                .build();
        long now = wallOffsetNanos + s.atNanos();
        return Message.newBuilder()
                .setId(idPrefix + sequence.incrementAndGet())
                .setTopic(topic)
                .setPriority(Priority.PRIORITY_CRITICAL)
                .setOrderingKey(topic)
                .setContentType(CONTENT_TYPE)
                .setPayload(payload.toByteString())
                .setTsEvent(now)
                .setTsInit(now)
                .build();
    }

    private static ArbitrageSignalKind kind(ArbitrageSignal s) {
        return switch (s.kind()) {
            case OPEN -> ArbitrageSignalKind.ARBITRAGE_SIGNAL_KIND_OPEN;
            case UPDATE -> ArbitrageSignalKind.ARBITRAGE_SIGNAL_KIND_UPDATE;
            case CLOSE -> ArbitrageSignalKind.ARBITRAGE_SIGNAL_KIND_CLOSE;
        };
    }
}
