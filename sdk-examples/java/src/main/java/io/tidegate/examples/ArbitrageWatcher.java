package io.tidegate.examples;

import com.google.protobuf.InvalidProtocolBufferException;
import io.tidegate.proto.market.v1.ArbitrageSignal;
import io.tidegate.sdk.ReceivedMessage;
import io.tidegate.sdk.Subscription;
import io.tidegate.sdk.SubscriptionOptions;
import io.tidegate.sdk.TidegateClient;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Watches one instrument across venues: subscribes by canonical instrument to its quotes on every
 * venue that lists it, and to the gateway's arbitrage signals for it ({@code signals.arb.<topic
 * form>}, published with {@code intelligence.arbitrage.enabled}), printing each as a line. Exits
 * once {@code --signals} signals arrived (code 0), or after {@code --exit-after} seconds without
 * them (code 1). Printing happens on the SDK's handler threads; the counter is atomic.
 */
public final class ArbitrageWatcher {

    static final String USAGE = """
            ArbitrageWatcher: quotes of one instrument on every listing venue, and its arbitrage signals
              --endpoint host:port[,host:port...]   gateway(s), default 127.0.0.1:7400
              --instrument BTC/USDT                  canonical key (ccxt form)
              --kind quotes                          quotes | trades | books
              --signals 0                            exit once this many signals arrived (0: run until Ctrl-C)
              --exit-after 0                         give up after this many seconds (0: no limit); exit code 1""";

    private ArbitrageWatcher() {
    }

    public static void main(String[] args) throws Exception {
        System.exit(run(args, System.out));
    }

    static int run(String[] args, PrintStream out) throws Exception {
        ExampleArgs a = ExampleArgs.parse(args, USAGE, "endpoint", "instrument", "kind", "signals", "exit-after");
        List<String> endpoints = a.list("endpoint", "127.0.0.1:7400");
        String key = a.get("instrument", "BTC/USDT");
        String kind = a.get("kind", "quotes");
        int wanted = (int) a.number("signals", 0);
        double exitAfter = a.number("exit-after", 0);
        CountDownLatch done = new CountDownLatch(wanted > 0 ? wanted : Integer.MAX_VALUE);
        try (TidegateClient client = TidegateClient.builder().endpoints(endpoints).clientName("arbitrage-watcher")
                .build()) {
            Subscription market = client.subscribe(SubscriptionOptions.instruments(kind, key),
                    m -> out.println("market " + QuoteSubscriber.format(m)));
            String signals = signalTopic(key);
            Subscription arb = client.subscribe(SubscriptionOptions.builder().patterns(signals).build(), m -> {
                out.println(describe(m));
                done.countDown();
            });
            market.confirmed().get(30, TimeUnit.SECONDS);
            arb.confirmed().get(30, TimeUnit.SECONDS);
            out.println("watching " + key + ": " + kind + " by instrument and " + signals);
            if (exitAfter > 0) {
                return done.await((long) (exitAfter * 1000), TimeUnit.MILLISECONDS) ? 0 : 1;
            }
            done.await();
            return 0;
        }
    }

    /**
     * The signals' topic of a canonical key (docs/arbitrage.md): a strike's decimal point as
     * {@code d}, then {@code /} and {@code :} as topic separators.
     */
    static String signalTopic(String key) {
        return "signals.arb." + key.replace('.', 'd').replace('/', '.').replace(':', '.');
    }

    static String describe(ReceivedMessage m) {
        try {
            ArbitrageSignal s = ArbitrageSignal.parseFrom(m.message().getPayload());
            return String.format(Locale.ROOT, "signal %s %s buy %s %s at %s sell %s %s at %s size %s edge %.2f bps",
                    s.getKind().name().replace("ARBITRAGE_SIGNAL_KIND_", ""), s.getInstrument(),
                    s.getBuyVenue(), s.getBuySymbol(), QuoteSubscriber.decimal(s.getBuyPrice()),
                    s.getSellVenue(), s.getSellSymbol(), QuoteSubscriber.decimal(s.getSellPrice()),
                    QuoteSubscriber.decimal(s.getSize()), s.getEdgeBps());
        } catch (InvalidProtocolBufferException e) {
            return "signal? " + m.position().topic() + " (not an ArbitrageSignal)";
        }
    }
}
