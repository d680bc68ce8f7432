package io.tidegate.examples;

import com.google.protobuf.InvalidProtocolBufferException;
import io.tidegate.proto.market.v1.Decimal;
import io.tidegate.proto.market.v1.OrderAccepted;
import io.tidegate.proto.market.v1.OrderCanceled;
import io.tidegate.proto.market.v1.OrderFilled;
import io.tidegate.proto.market.v1.OrderRejected;
import io.tidegate.proto.market.v1.OrderSide;
import io.tidegate.proto.market.v1.OrderType;
import io.tidegate.proto.market.v1.QuoteTick;
import io.tidegate.proto.market.v1.SubmitOrder;
import io.tidegate.proto.market.v1.TimeInForce;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.Priority;
import io.tidegate.sdk.PublishException;
import io.tidegate.sdk.ReceivedMessage;
import io.tidegate.sdk.Subscription;
import io.tidegate.sdk.SubscriptionOptions;
import io.tidegate.sdk.SubscriptionStart;
import io.tidegate.sdk.TidegateClient;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * An example strategy that crosses the spread: it watches the quotes of every instrument
 * matching a pattern (BROADCAST, default {@code data.quotes.>}) and after every
 * {@code quotesPerOrder}-th quote of an instrument, up to {@code ordersPerInstrument} times, sends a
 * MARKET order (a {@code SubmitOrder}) at CRITICAL priority to the venue's execution adapter on
 * {@code exec.commands.<VENUE>.<STRATEGY_ID>}. It listens to {@code exec.events.*.<STRATEGY_ID>} and
 * tracks each order to its outcome: OrderAccepted then OrderFilled (the whole quantity), or
 * OrderRejected / OrderCanceled.
 *
 * <p>Every order gets a unique {@code client_order_id} ({@code <strategy>-<run>-<n>}); the
 * command's message id is derived from it, so a re-sent publish is deduplicated by the gateway.
 * Events are deduplicated by message id; a repeated one is counted, never applied twice.
 *
 * <p>Output on {@code out}: one line per order sent and per event, and a final
 * {@code strategy summary: ...} line. Thread-safe: the handlers of the two subscriptions may run
 * concurrently; the state is guarded by this object's monitor.
 */
public final class CrossingStrategy {

    static final String USAGE = """
            CrossingStrategy: sends MARKET orders after quotes and tracks their fills
              --endpoint host:port[,host:port...]   gateway(s), default 127.0.0.1:7400
              --strategy-id crossing-1               strategy id: topic segment of commands and events
              --quotes data.quotes.>                 quote topic pattern (BROADCAST)
              --quotes-per-order 3                   send an order after every N-th quote of an instrument
              --orders-per-instrument 1              most orders per instrument (0: no limit)
              --side BUY                             BUY or SELL
              --quantity 0.001                       order quantity (exact decimal)
              --count 0                              exit once this many orders are settled (0: no limit)
              --exit-after 0                         exit after this many seconds in any case (0: no limit)
            Exit code 0 when every order sent got its outcome (and --count was reached), else 1.""";

    static final String CONTENT_TYPE_PREFIX = "application/x-protobuf; type=tidegate.market.v1.";
    /** How the gateway's risk gate starts its refusals and the reasons of its OrderRejected events. */
    static final String RISK_PREFIX = "risk: ";
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9_-]+");

    /** What the strategy does; immutable. */
    public record Config(String strategyId, String quotePattern, int quotesPerOrder, int ordersPerInstrument,
                         OrderSide side, BigDecimal quantity) {
        public Config {
            if (!SEGMENT.matcher(strategyId).matches()) {
                throw new IllegalArgumentException("--strategy-id \"" + strategyId
                        + "\" must be one topic segment: letters, digits, '_' and '-'");
            }
            if (quotesPerOrder < 1) {
                throw new IllegalArgumentException("--quotes-per-order must be >= 1, was " + quotesPerOrder);
            }
            if (ordersPerInstrument < 0) {
                throw new IllegalArgumentException("--orders-per-instrument must be >= 0, was " + ordersPerInstrument);
            }
            if (side != OrderSide.ORDER_SIDE_BUY && side != OrderSide.ORDER_SIDE_SELL) {
                throw new IllegalArgumentException("--side must be BUY or SELL");
            }
            if (quantity.signum() <= 0) {
                throw new IllegalArgumentException("--quantity must be positive, was " + quantity.toPlainString());
            }
        }
    }

    /** One order from send to outcome. */
    private static final class Order {
        final String clientOrderId;
        final String instrumentId;
        final BigDecimal quantity;
        BigDecimal filled = BigDecimal.ZERO;
        boolean accepted;
        boolean rejected;
        boolean canceled;
        boolean sendFailed;

        Order(String clientOrderId, String instrumentId, BigDecimal quantity) {
            this.clientOrderId = clientOrderId;
            this.instrumentId = instrumentId;
            this.quantity = quantity;
        }

        boolean filledCompletely() {
            return filled.compareTo(quantity) >= 0;
        }

        boolean settled() {
            return rejected || canceled || sendFailed || filledCompletely();
        }
    }

    /** Counts at one moment; {@code open} orders were sent and have no outcome yet. */
    public record Summary(long quotes, long badQuotes, int instruments, int orders, int accepted, int filled,
                          int rejected, int canceled, int sendFailed, int open, long duplicateEvents,
                          long unexpectedEvents) {
        public int settled() {
            return orders - open;
        }

        @Override
        public String toString() {
            return String.format("quotes=%d bad_quotes=%d instruments=%d orders=%d accepted=%d filled=%d rejected=%d "
                            + "canceled=%d send_failed=%d open=%d duplicate_events=%d unexpected_events=%d",
                    quotes, badQuotes, instruments, orders, accepted, filled, rejected, canceled, sendFailed, open,
                    duplicateEvents, unexpectedEvents);
        }
    }

    private final TidegateClient client;
    private final Config config;
    private final PrintStream out;
    private final String runId = Long.toString(System.currentTimeMillis(), 36);
    private final Map<String, Long> quotesPerInstrument = new HashMap<>();
    private final Map<String, Integer> ordersPerInstrument = new HashMap<>();
    private final Map<String, Order> orders = new LinkedHashMap<>();
    private final Set<String> eventIds = new HashSet<>();
    private long quotes;
    private long badQuotes;
    private long duplicateEvents;
    private long unexpectedEvents;
    private long sequence;
    private Subscription eventSubscription;
    private Subscription quoteSubscription;

    public CrossingStrategy(TidegateClient client, Config config, PrintStream out) {
        this.client = client;
        this.config = config;
        this.out = out;
    }

    /** Subscribes to the strategy's events first, then to quotes; returns once both are confirmed. */
    public void start(Duration timeout) throws Exception {
        eventSubscription = client.subscribe(SubscriptionOptions.builder()
                .subscriptionId("events")
                .patterns("exec.events.*." + config.strategyId())
                .start(SubscriptionStart.latest())
                .build(), this::onEvent);
        eventSubscription.confirmed().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        quoteSubscription = client.subscribe(SubscriptionOptions.builder()
                .subscriptionId("quotes")
                .patterns(config.quotePattern())
                .start(SubscriptionStart.latest())
                .build(), this::onQuote);
        quoteSubscription.confirmed().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        System.err.printf("strategy %s: listening to %s, events on exec.events.*.%s%n", config.strategyId(),
                config.quotePattern(), config.strategyId());
    }

    /** Stops taking quotes (no new orders); events keep arriving until the client closes. */
    public void stopQuotes() {
        if (quoteSubscription != null) {
            quoteSubscription.close();
        }
    }

    private synchronized void onQuote(ReceivedMessage m) {
        QuoteTick q;
        try {
            q = QuoteTick.parseFrom(m.message().getPayload());
        } catch (InvalidProtocolBufferException e) {
            badQuotes++;
            return;
        }
        String instrument = q.getInstrumentId();
        int dot = instrument.indexOf('.');
        if (dot <= 0 || !SEGMENT.matcher(instrument.substring(0, dot)).matches()
                || !SEGMENT.matcher(instrument.substring(dot + 1)).matches()) {
            badQuotes++;
            return;
        }
        quotes++;
        long n = quotesPerInstrument.merge(instrument, 1L, Long::sum);
        int sentHere = ordersPerInstrument.getOrDefault(instrument, 0);
        if (n % config.quotesPerOrder() != 0
                || (config.ordersPerInstrument() > 0 && sentHere >= config.ordersPerInstrument())) {
            return;
        }
        ordersPerInstrument.put(instrument, sentHere + 1);
        submit(instrument, instrument.substring(dot + 1));
    }

    /** Sends one MARKET order; called with the monitor held. */
    private void submit(String instrumentId, String venue) {
        String clientOrderId = config.strategyId() + "-" + runId + "-" + (++sequence);
        long now = System.currentTimeMillis() * 1_000_000L;
        SubmitOrder cmd = SubmitOrder.newBuilder()
                .setClientOrderId(clientOrderId)
                .setStrategyId(config.strategyId())
                .setInstrumentId(instrumentId)
                .setSide(config.side())
                .setOrderType(OrderType.ORDER_TYPE_MARKET)
                .setQuantity(decimal(config.quantity()))
                .setTimeInForce(TimeInForce.TIME_IN_FORCE_IOC)
                .setTsInit(now)
                .build();
        String topic = "exec.commands." + venue + "." + config.strategyId();
        Message message = Message.newBuilder()
                .setId("cmd/" + clientOrderId)
                .setTopic(topic)
                .setPriority(Priority.PRIORITY_CRITICAL)
                .setOrderingKey(clientOrderId)
                .setContentType(CONTENT_TYPE_PREFIX + "SubmitOrder")
                .setPayload(cmd.toByteString())
                .setTsEvent(now)
                .setTsInit(now)
                .build();
        Order order = new Order(clientOrderId, instrumentId, config.quantity());
        orders.put(clientOrderId, order);
        out.printf("order %s %s %s MARKET %s -> %s%n", clientOrderId, instrumentId, shortName(config.side()),
                config.quantity().toPlainString(), topic);
        client.publish(message).whenComplete((receipt, e) -> {
            synchronized (this) {
                if (e != null) {
                    Throwable cause = e.getCause() != null ? e.getCause() : e;
                    if (cause instanceof PublishException p && p.getMessage().contains(RISK_PREFIX)) {
                        // the gateway's pre-trade risk gate refused it (docs/risk.md); an OrderRejected
                        // with the same reason follows on the events topic
                        order.rejected = true;
                        out.printf("order %s REFUSED by the risk gate: %s%n", clientOrderId, p.getMessage());
                    } else {
                        order.sendFailed = true;
                        out.printf("order %s NOT SENT: %s%n", clientOrderId,
                                cause instanceof PublishException p ? p.getMessage() : cause.toString());
                    }
                    notifyAll();
                }
            }
        });
        client.flush();
    }

    private synchronized void onEvent(ReceivedMessage m) {
        Message msg = m.message();
        if (!eventIds.add(msg.getId().isEmpty() ? m.position().topic() + "@" + m.position().entryId() : msg.getId())) {
            duplicateEvents++;
            out.printf("event DUPLICATE %s ignored%n", msg.getId());
            return;
        }
        String ct = msg.getContentType();
        String type = ct.startsWith(CONTENT_TYPE_PREFIX) ? ct.substring(CONTENT_TYPE_PREFIX.length()) : ct;
        try {
            switch (type) {
                case "OrderAccepted" -> {
                    OrderAccepted a = OrderAccepted.parseFrom(msg.getPayload());
                    Order o = known(a.getClientOrderId(), type);
                    if (o != null) {
                        if (o.accepted) {
                            duplicateEvents++;
                        }
                        o.accepted = true;
                        out.printf("event OrderAccepted %s %s venue_order_id=%s%n", a.getClientOrderId(),
                                a.getInstrumentId(), a.getVenueOrderId());
                    }
                }
                case "OrderFilled" -> {
                    OrderFilled f = OrderFilled.parseFrom(msg.getPayload());
                    Order o = known(f.getClientOrderId(), type);
                    if (o != null) {
                        BigDecimal qty = value(f.getLastQty());
                        if (o.filledCompletely()) {
                            duplicateEvents++; // more fills than the order's quantity
                        }
                        o.filled = o.filled.add(qty);
                        out.printf("event OrderFilled %s %s %s %s @ %s commission %s %s %s%n", f.getClientOrderId(),
                                f.getInstrumentId(), shortName(f.getSide()), qty.toPlainString(), value(f.getLastPx()).toPlainString(),
                                value(f.getCommission()).toPlainString(), f.getCommissionCurrency(), shortName(f.getLiquiditySide()));
                    }
                }
                case "OrderRejected" -> {
                    OrderRejected r = OrderRejected.parseFrom(msg.getPayload());
                    Order o = known(r.getClientOrderId(), type);
                    if (o != null) {
                        o.rejected = true;
                        out.printf("event OrderRejected %s %s reason=%s%s%n", r.getClientOrderId(), r.getInstrumentId(),
                                r.getReason(), r.getReason().startsWith(RISK_PREFIX) ? " (by the gateway's risk gate)" : "");
                    }
                }
                case "OrderCanceled" -> {
                    OrderCanceled c = OrderCanceled.parseFrom(msg.getPayload());
                    Order o = known(c.getClientOrderId(), type);
                    if (o != null) {
                        o.canceled = true;
                        out.printf("event OrderCanceled %s %s%n", c.getClientOrderId(), c.getInstrumentId());
                    }
                }
                default -> {
                    unexpectedEvents++;
                    out.printf("event UNEXPECTED content type \"%s\" on %s%n", ct, m.position().topic());
                }
            }
        } catch (InvalidProtocolBufferException e) {
            unexpectedEvents++;
            out.printf("event UNDECODABLE %s on %s: %s%n", type, m.position().topic(), e.getMessage());
        }
        notifyAll();
    }

    private Order known(String clientOrderId, String type) {
        Order o = orders.get(clientOrderId);
        if (o == null) {
            unexpectedEvents++;
            out.printf("event %s for unknown client_order_id \"%s\"%n", type, clientOrderId);
        }
        return o;
    }

    /** Waits until at least {@code count} orders are settled; false on timeout. */
    public synchronized boolean awaitSettled(int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (summary().settled() < count) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }

    public synchronized Summary summary() {
        int accepted = 0;
        int filled = 0;
        int rejected = 0;
        int canceled = 0;
        int sendFailed = 0;
        int open = 0;
        for (Order o : orders.values()) {
            accepted += o.accepted ? 1 : 0;
            filled += o.filledCompletely() ? 1 : 0;
            rejected += o.rejected ? 1 : 0;
            canceled += o.canceled ? 1 : 0;
            sendFailed += o.sendFailed ? 1 : 0;
            open += o.settled() ? 0 : 1;
        }
        return new Summary(quotes, badQuotes, quotesPerInstrument.size(), orders.size(), accepted, filled, rejected,
                canceled, sendFailed, open, duplicateEvents, unexpectedEvents);
    }

    /** The client order ids sent so far, in order. */
    public synchronized List<String> clientOrderIds() {
        return List.copyOf(orders.keySet());
    }

    static Decimal decimal(BigDecimal v) {
        BigDecimal d = v.scale() < 0 ? v.setScale(0) : v;
        return Decimal.newBuilder().setUnits(d.unscaledValue().longValueExact()).setScale(d.scale()).build();
    }

    /** An enum value as traders read it: {@code ORDER_SIDE_BUY} prints as {@code BUY}. */
    static String shortName(com.google.protobuf.ProtocolMessageEnum value) {
        String name = value.getValueDescriptor().getName();
        String prefix = value.getDescriptorForType().getName().replaceAll("([a-z])([A-Z])", "$1_$2").toUpperCase(java.util.Locale.ROOT) + "_";
        return name.startsWith(prefix) ? name.substring(prefix.length()) : name;
    }

    static BigDecimal value(Decimal d) {
        return BigDecimal.valueOf(d.getUnits(), d.getScale());
    }

    public static void main(String[] args) throws Exception {
        System.exit(run(args, System.out));
    }

    /** Runs the strategy as the command line asks; returns the exit code. */
    static int run(String[] args, PrintStream out) throws Exception {
        ExampleArgs a = ExampleArgs.parse(args, USAGE, "endpoint", "strategy-id", "quotes", "quotes-per-order",
                "orders-per-instrument", "side", "quantity", "count", "exit-after");
        List<String> endpoints = a.list("endpoint", "127.0.0.1:7400");
        BigDecimal quantity;
        try {
            quantity = new BigDecimal(a.get("quantity", "0.001"));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--quantity must be a decimal number, was \"" + a.get("quantity", "") + "\"");
        }
        OrderSide side = switch (a.get("side", "BUY").toUpperCase(java.util.Locale.ROOT)) {
            case "BUY" -> OrderSide.ORDER_SIDE_BUY;
            case "SELL" -> OrderSide.ORDER_SIDE_SELL;
            default -> throw new IllegalArgumentException("--side must be BUY or SELL");
        };
        Config config = new Config(a.get("strategy-id", "crossing-1"), a.get("quotes", "data.quotes.>"),
                (int) a.number("quotes-per-order", 3), (int) a.number("orders-per-instrument", 1), side, quantity);
        int count = (int) a.number("count", 0);
        double exitAfter = a.number("exit-after", 0);
        Duration limit = exitAfter > 0 ? Duration.ofMillis((long) (exitAfter * 1000)) : Duration.ofDays(365);
        try (TidegateClient client = TidegateClient.builder().endpoints(endpoints)
                .clientName("crossing-strategy-" + config.strategyId()).build()) {
            CrossingStrategy strategy = new CrossingStrategy(client, config, out);
            Thread printer = new Thread(() -> out.println("strategy summary: " + strategy.summary()));
            if (count == 0) {
                Runtime.getRuntime().addShutdownHook(printer); // Ctrl-C still prints the counts
            }
            strategy.start(Duration.ofSeconds(30));
            boolean reached = strategy.awaitSettled(count == 0 ? Integer.MAX_VALUE : count, limit);
            strategy.stopQuotes();
            Summary s = strategy.summary();
            if (count == 0) {
                Runtime.getRuntime().removeShutdownHook(printer);
            }
            out.println("strategy summary: " + s);
            out.flush();
            boolean ok = s.open() == 0 && (count == 0 || reached);
            return ok ? 0 : 1;
        }
    }
}
