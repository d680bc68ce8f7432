package io.tidegate.bench;

import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.gateway.arbitrage.ArbitrageFeed;
import io.tidegate.gateway.backend.memory.MemoryBackend;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.dispatch.IngressDispatcher;
import io.tidegate.gateway.market.MarketDataTap;
import io.tidegate.gateway.priority.StaticPrioritizer;
import io.tidegate.gateway.server.InternalPublisher;
import io.tidegate.gateway.server.MessageValidatorFactory;
import io.tidegate.gateway.telemetry.GatewayMetrics;
import io.tidegate.gateway.telemetry.GatewayTracing;
import io.tidegate.gateway.telemetry.InstrumentedBackend;
import io.tidegate.intelligence.instrument.SymbolResolver;
import io.tidegate.proto.market.v1.ArbitrageSignal;
import io.tidegate.proto.market.v1.ArbitrageSignalKind;
import io.tidegate.proto.market.v1.Decimal;
import io.tidegate.proto.market.v1.QuoteTick;
import io.tidegate.proto.v1.Message;
import io.tidegate.sdk.SubscriptionOptions;
import io.tidegate.sdk.TidegateClient;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Latency of cross-venue arbitrage signals, two figures:
 *
 * <ol>
 *   <li><b>handoff</b>: from a quote entering the gateway's publish path (the decoded message, as
 *       after gRPC) to the arbitrage signal it causes being handed to the backend's
 *       {@code append}: validation, admission and queueing of the quote, the market data tap's
 *       decode, symbol lookup, the detector, the signal message and its own trip through the
 *       publish path and priority lanes to a dispatch worker. The real classes, wired as the
 *       gateway wires them (memory backend, tracing off), without gRPC.</li>
 *   <li><b>end to end</b>: from a Java SDK client calling {@code publish} with that quote to a
 *       second client subscribed to {@code signals.arb.>} receiving the signal, through a real
 *       gateway over loopback gRPC.</li>
 * </ol>
 *
 * Each round publishes one quote that opens a crossing (measured) and one that closes it, one at
 * a time, after a warm-up. Usage: {@code ArbitrageLatency [handoff rounds] [end-to-end rounds] [key=value...]}
 * (e.g. {@code dispatch.critical-handoff=false}).
 */
public final class ArbitrageLatency {

    private static final java.util.concurrent.atomic.AtomicLong QUOTE_IDS = new java.util.concurrent.atomic.AtomicLong();
    /** The arbitrage settings, then any {@code key=value} overrides given after the round counts. */
    private static String[] ARBITRAGE = {"intelligence.arbitrage.enabled=true",
        "intelligence.arbitrage.default.taker-fee-bps=0", "intelligence.arbitrage.stale-after=1h"};

    private ArbitrageLatency() {
    }

    public static void main(String[] args) throws Exception {
        int handoffRounds = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int e2eRounds = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        if (args.length > 2) {
            String[] withOverrides = java.util.Arrays.copyOf(ARBITRAGE, ARBITRAGE.length + args.length - 2);
            System.arraycopy(args, 2, withOverrides, ARBITRAGE.length, args.length - 2);
            ARBITRAGE = withOverrides;
            System.out.println("overrides: " + String.join(" ", java.util.Arrays.copyOfRange(args, 2, args.length)));
        }
        System.out.printf(Locale.ROOT, "%d cores, %s %s%n", Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.vm.name"), System.getProperty("java.version"));
        detectorOnly(handoffRounds / 10);
        report("quote decoded -> signal message made", detectorOnly(handoffRounds));
        handoff(handoffRounds / 10);
        Histogram[] handoff = handoff(handoffRounds);
        report("quote in -> signal queued for the backend", handoff[0]);
        report("quote in -> signal handed to backend.append", handoff[1]);
        endToEnd(e2eRounds / 10);
        report("SDK publish -> SDK subscriber (end to end)", endToEnd(e2eRounds));
    }

    private static void received(MarketDataTap tap, Message m, long nanos) {
        tap.received(m.getTopic(), m.getPayload(), nanos);
    }

    private static void report(String what, Histogram h) {
        System.out.printf(Locale.ROOT, "%-48s n=%d  p50 %.1f us  p99 %.1f us  p99.9 %.1f us  max %.1f us%n", what,
                h.getTotalCount(), h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3,
                h.getValueAtPercentile(99.9) / 1e3, h.getMaxValue() / 1e3);
    }

    /**
     * The tap, feed, detector and signal encoding alone, on one thread: from an accepted quote
     * message to the signal message handed to the publisher (no queues, no other thread).
     */
    private static Histogram detectorOnly(int rounds) {
        GatewayConfig config = GatewayConfig.defaultsWith(ARBITRAGE);
        Histogram h = new Histogram(10_000_000_000L, 3);
        long[] madeAt = new long[1];
        try (ArbitrageFeed feed = new ArbitrageFeed(config.arbitrage(), SymbolResolver.withVenueRules(),
                m -> madeAt[0] = System.nanoTime(), "bench")) {
            MarketDataTap tap = new MarketDataTap(Set.of(feed), 1);
            Message opens = quote("OKX", "BTC-USDT", 6510000, 6510020);
            Message closes = quote("OKX", "BTC-USDT", 6499990, 6500020);
            received(tap, quote("BINANCE", "BTCUSDT", 6500000, 6500010), System.nanoTime());
            for (int i = 0; i < rounds; i++) {
                long start = System.nanoTime();
                received(tap, opens, start);
                h.recordValue(madeAt[0] - start);
                received(tap, closes, System.nanoTime());
            }
        }
        return h;
    }

    /** [0]: until the signal is queued (same thread); [1]: until a dispatch worker hands it to the backend. */
    private static Histogram[] handoff(int rounds) {
        GatewayConfig config = GatewayConfig.defaultsWith(ARBITRAGE);
        SignalStampingBackend backend = new SignalStampingBackend(new InstrumentedBackend(
                new MemoryBackend(config.storage()), GatewayTracing.of(null), GatewayMetrics.OFF));
        Histogram queued = new Histogram(10_000_000_000L, 3);
        Histogram appended = new Histogram(10_000_000_000L, 3);
        long[] queuedAt = new long[1];
        try (IngressDispatcher dispatcher = new IngressDispatcher(backend, config.dispatch())) {
            MessageValidatorFactory validators = new MessageValidatorFactory(config.limits(), new StaticPrioritizer());
            GatewayTracing tracing = GatewayTracing.of(null);
            InternalPublisher signalsOut = new InternalPublisher(validators, dispatcher, tracing);
            try (ArbitrageFeed feed = new ArbitrageFeed(config.arbitrage(), SymbolResolver.withVenueRules(),
                    m -> {
                        signalsOut.publish(m);
                        queuedAt[0] = System.nanoTime(); // on this thread: the tap runs inside quotesIn.publish
                    }, "bench")) {
                InternalPublisher quotesIn = new InternalPublisher(validators, dispatcher, tracing,
                        new MarketDataTap(Set.of(feed), 1));
                quotesIn.publish(quote("BINANCE", "BTCUSDT", 6500000, 6500010));
                for (int i = 0; i < rounds; i++) {
                    long start = System.nanoTime();
                    quotesIn.publish(quote("OKX", "BTC-USDT", 6510000, 6510020)); // opens
                    queued.recordValue(queuedAt[0] - start);
                    awaitSignal(backend, 2L * i + 1);
                    appended.recordValue(backend.lastSignalNanos() - start);
                    quotesIn.publish(quote("OKX", "BTC-USDT", 6499990, 6500020)); // closes
                    awaitSignal(backend, 2L * i + 2);
                }
            }
        }
        return new Histogram[] {queued, appended};
    }

    private static void awaitSignal(SignalStampingBackend backend, long count) {
        for (int spins = 0; backend.signals() < count; spins++) {
            if (spins < 10_000) {
                Thread.onSpinWait();
            } else {
                Thread.yield(); // two shared cores: let the dispatch worker run
            }
        }
    }

    private static Histogram endToEnd(int rounds) throws Exception {
        Histogram h = new Histogram(10_000_000_000L, 3);
        Semaphore arrived = new Semaphore(0);
        long[] received = new long[1];
        int[] kinds = new int[1];
        try (EmbeddedGateway gateway = EmbeddedGateway.startOnLoopback(ARBITRAGE);
             TidegateClient feed = TidegateClient.builder().endpoints(gateway.target()).build();
             TidegateClient strategy = TidegateClient.builder().endpoints(gateway.target()).build()) {
            strategy.subscribe(SubscriptionOptions.broadcast("signals.arb.>"), m -> {
                long now = System.nanoTime();
                ArbitrageSignal s = ArbitrageSignal.parseFrom(m.message().getPayload());
                synchronized (received) {
                    received[0] = now;
                    kinds[0] = s.getKindValue();
                }
                arrived.release();
            }).confirmed().get(10, TimeUnit.SECONDS);
            feed.publish(quote("BINANCE", "BTCUSDT", 6500000, 6500010)).get(10, TimeUnit.SECONDS);
            for (int i = 0; i < rounds; i++) {
                long start = System.nanoTime();
                feed.publish(quote("OKX", "BTC-USDT", 6510000, 6510020));
                awaitArrival(arrived);
                synchronized (received) {
                    if (kinds[0] != ArbitrageSignalKind.ARBITRAGE_SIGNAL_KIND_OPEN_VALUE) {
                        throw new IllegalStateException("expected an OPEN, got kind " + kinds[0]);
                    }
                    h.recordValue(received[0] - start);
                }
                feed.publish(quote("OKX", "BTC-USDT", 6499990, 6500020));
                awaitArrival(arrived);
            }
        }
        return h;
    }

    private static void awaitArrival(Semaphore arrived) throws InterruptedException {
        if (!arrived.tryAcquire(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("no signal within 10 s");
        }
    }

    private static Message quote(String venue, String symbol, long bid, long ask) {
        QuoteTick q = QuoteTick.newBuilder().setInstrumentId(symbol + "." + venue)
                .setBidPrice(Decimal.newBuilder().setUnits(bid).setScale(2))
                .setAskPrice(Decimal.newBuilder().setUnits(ask).setScale(2))
                .setBidSize(Decimal.newBuilder().setUnits(1500).setScale(3))
                .setAskSize(Decimal.newBuilder().setUnits(1500).setScale(3))
                .setTsEvent(System.currentTimeMillis() * 1_000_000L).build();
        return Message.newBuilder().setId("q-" + QUOTE_IDS.incrementAndGet()).setTopic("data.quotes." + venue + "." + symbol)
                .setContentType("application/x-protobuf; type=tidegate.market.v1.QuoteTick")
                .setPayload(q.toByteString()).build();
    }
}
