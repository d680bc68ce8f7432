package io.tidegate.examples;

import io.tidegate.proto.market.v1.Decimal;
import io.tidegate.proto.market.v1.QuoteTick;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.Priority;
import io.tidegate.sdk.PublishException;
import io.tidegate.sdk.TidegateClient;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A market-data adapter in miniature: publishes QuoteTick payloads for a few instruments at a
 * given rate on {@code data.quotes.<VENUE>.<SYMBOL>}, prices as fixed-point decimals following a
 * random walk. Runs on the main thread until interrupted or until {@code --count} quotes are sent.
 */
public final class QuotePublisher {

    static final String USAGE = """
            QuotePublisher: publishes QuoteTick payloads on data.quotes.<VENUE>.<SYMBOL>
              --endpoint host:port[,host:port...]   gateway(s), default 127.0.0.1:7400
              --venue BINANCE                        venue segment of the topic
              --symbols BTCUSDT,ETHUSDT,SOLUSDT      instruments
              --rate 10                              quotes per second, all instruments together
              --count 0                              stop after this many (0: run until Ctrl-C)""";

    /** One instrument's random-walk mid price, in units of 10^-2. */
    private static final class Instrument {
        final String symbol;
        long midCents;

        Instrument(String symbol, long midCents) {
            this.symbol = symbol;
            this.midCents = midCents;
        }
    }

    private QuotePublisher() {
    }

    public static void main(String[] args) throws Exception {
        ExampleArgs a = ExampleArgs.parse(args, USAGE, "endpoint", "venue", "symbols", "rate", "count");
        List<String> endpoints = a.list("endpoint", "127.0.0.1:7400");
        String venue = a.get("venue", "BINANCE");
        List<String> symbols = a.list("symbols", "BTCUSDT,ETHUSDT,SOLUSDT");
        double rate = a.number("rate", 10);
        long count = (long) a.number("count", 0);
        if (rate <= 0) {
            throw new IllegalArgumentException("--rate must be > 0");
        }
        try (TidegateClient client = TidegateClient.builder().endpoints(endpoints).clientName("quote-publisher").build()) {
            run(client, venue, symbols, rate, count);
        }
    }

    /** Publishes {@code count} quotes (0: forever) at {@code rate} per second; returns the number acked. */
    static long run(TidegateClient client, String venue, List<String> symbols, double rate, long count) {
        List<Instrument> instruments = symbols.stream().map(s -> new Instrument(s, startPrice(s))).toList();
        AtomicLong acked = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        long intervalNanos = (long) (1e9 / rate);
        long next = System.nanoTime();
        for (long n = 0; count == 0 || n < count; n++) {
            if (Thread.currentThread().isInterrupted()) {
                break;
            }
            Instrument inst = instruments.get((int) (n % instruments.size()));
            QuoteTick quote = nextQuote(inst, venue);
            Message m = Message.newBuilder()
                    .setTopic("data.quotes." + venue + "." + inst.symbol)
                    .setPriority(Priority.PRIORITY_NORMAL)
                    .setContentType("application/x-protobuf; type=tidegate.market.v1.QuoteTick")
                    .setPayload(quote.toByteString())
                    .setTsEvent(quote.getTsEvent())
                    .setTsInit(quote.getTsInit())
                    .build();
            client.publish(m).whenComplete((r, e) -> {
                if (e == null) {
                    acked.incrementAndGet();
                } else if (failed.incrementAndGet() <= 10) {
                    System.err.println("publish failed: " + (e.getCause() instanceof PublishException p ? p.getMessage() : e));
                }
            });
            next += intervalNanos;
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
        }
        client.flush();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (client.pendingPublishes() > 0 && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        System.err.printf("published %d quotes, %d failed%n", acked.get(), failed.get());
        return acked.get();
    }

    private static long startPrice(String symbol) {
        return switch (symbol) {
            case "BTCUSDT" -> 6_500_000L;
            case "ETHUSDT" -> 350_000L;
            default -> 15_000L;
        };
    }

    /** Moves the mid by at most ±0.05 % and quotes a one-tick spread around it. */
    static QuoteTick nextQuote(Instrument inst, String venue) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long step = Math.max(1, inst.midCents / 2000);
        inst.midCents = Math.max(2, inst.midCents + r.nextLong(-step, step + 1));
        long now = System.currentTimeMillis() * 1_000_000L;
        return QuoteTick.newBuilder()
                .setInstrumentId(inst.symbol + "." + venue)
                .setBidPrice(Decimal.newBuilder().setUnits(inst.midCents - 1).setScale(2))
                .setAskPrice(Decimal.newBuilder().setUnits(inst.midCents + 1).setScale(2))
                .setBidSize(Decimal.newBuilder().setUnits(r.nextLong(1, 100_000)).setScale(4))
                .setAskSize(Decimal.newBuilder().setUnits(r.nextLong(1, 100_000)).setScale(4))
                .setTsEvent(now)
                .setTsInit(now)
                .build();
    }
}
