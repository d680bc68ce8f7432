package io.tidegate.gateway.risk;

import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.Status;
import io.tidegate.gateway.security.Identity;
import io.tidegate.gateway.server.RiskGate;
import io.tidegate.proto.market.v1.CancelOrder;
import io.tidegate.proto.market.v1.Decimal;
import io.tidegate.proto.market.v1.OrderCanceled;
import io.tidegate.proto.market.v1.OrderFilled;
import io.tidegate.proto.market.v1.OrderRejected;
import io.tidegate.proto.market.v1.OrderSide;
import io.tidegate.proto.market.v1.OrderType;
import io.tidegate.proto.market.v1.SubmitOrder;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.Priority;
import io.tidegate.gateway.backend.Backend;
import io.tidegate.gateway.backend.StoredMessage;
import io.tidegate.gateway.backend.StoredTopicsFollower;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The {@link RiskGate} of {@code risk.enabled=true}. Every message on
 * {@code exec.commands.<VENUE>.<STRATEGY>} must be a {@code SubmitOrder} or {@code CancelOrder}
 * (by its content type {@code application/x-protobuf; type=tidegate.market.v1.SubmitOrder}); a
 * cancel always passes, an order passes the kill switches and the limits of its strategy and
 * instrument (see {@link StrategyBook}) or is refused: the publish is answered with the refusal and
 * an {@code OrderRejected} with the same reason is published on
 * {@code exec.events.<VENUE>.<STRATEGY>}, so the strategy never waits for a fill.
 *
 * <p>The strategy an order is checked as is the caller's authenticated identity when
 * authentication is on (and it must then be the topic's STRATEGY segment), else the topic's
 * STRATEGY segment. Execution events stored on {@code exec.events.<VENUE>.<STRATEGY>} move the
 * positions and open orders of that STRATEGY.
 *
 * <p>With the redis backend ({@link #followBus}) every replica reads the orders and events all
 * replicas stored, so positions and open orders are the strategy's, whichever replica its traffic
 * goes through; the order rate stays per replica.
 *
 * <p>Threading: {@link #check} on gRPC threads, {@link #close} once at shutdown, {@link #stored} and {@link #failed} on backend
 * threads; the state of each strategy is behind its own lock. Messages on other topics cost a
 * prefix check.
 */
public final class OrderRiskGate implements RiskGate, AutoCloseable {

    static final String COMMANDS = "exec.commands.";
    static final String EVENTS = "exec.events.";
    static final String TYPE = "application/x-protobuf; type=tidegate.market.v1.";
    private static final String SUBMIT = "tidegate.market.v1.SubmitOrder";
    private static final String CANCEL = "tidegate.market.v1.CancelOrder";
    private static final int MAX_SCALE = 18;

    private final RiskLimits limits;
    private final MidPrices mids;
    private final KillSwitches kills;
    private final RiskRefusals refusals;
    private final Consumer<Message> rejections;
    private final Clock clock;
    private final String gatewayId;
    private final int maxStrategies;
    private final int maxInstruments;
    private final int maxTrackedOrders;
    private final ConcurrentHashMap<String, StrategyBook> books = new ConcurrentHashMap<>();
    private final AtomicLong rejectionSeq = new AtomicLong();
    /**
     * Following the bus: the orders this replica let pass whose stored copy the bus has not brought
     * back yet (their message id, or strategy and client order id without one), so that copy is
     * not counted again. At most {@code maxTrackedOrders}; an entry leaves when its copy is read or
     * its publish fails.
     */
    private final Set<String> ownOrders = ConcurrentHashMap.newKeySet();
    /** Entries of exec.commands.> and exec.events.> read from the bus, this replica's own included. */
    private final AtomicLong busEntries = new AtomicLong();
    /** Null while this replica keeps its own state alone (the memory backend). */
    private volatile StoredTopicsFollower flow;

    /**
     * @param rejections publishes the gateway's OrderRejected events (the internal publisher)
     */
    public OrderRiskGate(io.tidegate.gateway.config.GatewayConfig.Risk config, RiskLimits limits, MidPrices mids,
                         KillSwitches kills, RiskRefusals refusals, Consumer<Message> rejections, String gatewayId,
                         Clock clock) {
        this.limits = limits;
        this.mids = mids;
        this.kills = kills;
        this.refusals = refusals;
        this.rejections = rejections;
        this.gatewayId = gatewayId;
        this.clock = clock;
        this.maxStrategies = config.maxStrategies();
        this.maxInstruments = config.maxInstruments();
        this.maxTrackedOrders = config.maxTrackedOrders();
    }

    /**
     * From now on positions and open orders follow every replica's stored orders and events, read
     * from {@code backend} (the redis backend, shared by the replicas): events are applied as
     * read there rather than when this replica stores them, and new orders are refused
     * ({@code UNAVAILABLE}, rule {@code rebuilding}) until the retained streams have been read.
     * Call once, before the gateway takes traffic.
     */
    public void followBus(Backend backend) {
        StoredTopicsFollower f = new StoredTopicsFollower(backend, gatewayId + "/risk-shared-order-flow",
                List.of(COMMANDS + ">", EVENTS + ">"), Runnable::run, this::fromBus, "risk: every replica's orders and events");
        flow = f;
        f.start();
    }

    /** A command topic split: {@code exec.commands.<venue>.<strategy>}. */
    private record Route(String venue, String strategy) {
    }

    @Override
    public Status check(Identity who, Message message) {
        String topic = message.getTopic();
        if (!topic.startsWith(COMMANDS)) {
            return null;
        }
        Refusal r = decide(who, message, topic);
        if (r == null) {
            return null;
        }
        refusals.refused(r.rule());
        return r.status();
    }

    private Refusal decide(Identity who, Message message, String topic) {
        Route route = route(topic, COMMANDS);
        if (route == null) {
            return Refusal.invalid("order topics are exec.commands.<VENUE>.<STRATEGY>, got \"" + topic + "\"");
        }
        String type = message.getContentType();
        if (type.endsWith(CANCEL)) {
            return cancel(message);
        }
        if (!type.endsWith(SUBMIT)) {
            return Refusal.invalid("a message on " + topic + " must be a SubmitOrder or CancelOrder with content_type \""
                    + TYPE + "SubmitOrder\" (or CancelOrder), got \"" + type + "\"");
        }
        SubmitOrder submit;
        try {
            submit = SubmitOrder.parseFrom(message.getPayload());
        } catch (InvalidProtocolBufferException e) {
            return Refusal.invalid("the payload on " + topic + " is not a SubmitOrder: " + e.getMessage());
        }
        String strategy = who == null ? route.strategy() : who.name();
        NewOrder order;
        try {
            order = order(submit, strategy);
        } catch (IllegalArgumentException e) {
            return Refusal.invalid(e.getMessage());
        }
        Refusal r = admit(order, route, who);
        if (r != null) {
            reject(route, submit, r);
        } else if (flow != null && ownOrders.size() < maxTrackedOrders) {
            ownOrders.add(ownKey(message.getId(), route.strategy(), order.clientOrderId()));
        }
        return r;
    }

    private Refusal admit(NewOrder order, Route route, Identity who) {
        if (who != null && !who.name().equals(route.strategy())) {
            return Refusal.denied(RiskRule.CAPACITY, order.strategy() + " may send orders on exec.commands.<VENUE>."
                    + order.strategy() + " only, not on exec.commands." + route.venue() + "." + route.strategy());
        }
        Refusal killed = kills.refusal(route.venue(), order.strategy(), order.instrumentId());
        if (killed != null) {
            return killed;
        }
        StoredTopicsFollower f = flow;
        if (f != null && !f.caughtUp()) {
            return Refusal.unavailable(RiskRule.REBUILDING, "positions and open orders are not read from the bus yet "
                    + "(this replica is reading the retained exec.commands and exec.events streams); new orders are "
                    + "refused until they are, retry shortly, for " + order.who());
        }
        StrategyBook book = book(order.strategy());
        if (book == null) {
            return Refusal.denied(RiskRule.CAPACITY, books.size() + " strategies tracked, the most risk.max-strategies "
                    + "allows; " + order.strategy() + " is not");
        }
        return book.admit(order, limits.table(), mids, System.nanoTime());
    }

    /** A cancel passes whenever it is a CancelOrder at all. */
    private static Refusal cancel(Message message) {
        try {
            CancelOrder.parseFrom(message.getPayload());
            return null;
        } catch (InvalidProtocolBufferException e) {
            return Refusal.invalid("the payload on " + message.getTopic() + " is not a CancelOrder: " + e.getMessage());
        }
    }

    /** The order's fields, or IllegalArgumentException saying which is unusable. */
    static NewOrder order(SubmitOrder s, String strategy) {
        if (s.getClientOrderId().isEmpty()) {
            throw new IllegalArgumentException("SubmitOrder.client_order_id is empty");
        }
        if (s.getInstrumentId().isEmpty()) {
            throw new IllegalArgumentException("SubmitOrder.instrument_id is empty; use <SYMBOL>.<VENUE>, e.g. BTCUSDT.BINANCE");
        }
        if (s.getSide() != OrderSide.ORDER_SIDE_BUY && s.getSide() != OrderSide.ORDER_SIDE_SELL) {
            throw new IllegalArgumentException("SubmitOrder.side must be BUY or SELL, got " + s.getSide());
        }
        boolean limit = s.getOrderType() == OrderType.ORDER_TYPE_LIMIT;
        if (!limit && s.getOrderType() != OrderType.ORDER_TYPE_MARKET) {
            throw new IllegalArgumentException("SubmitOrder.order_type must be MARKET or LIMIT, got " + s.getOrderType());
        }
        double quantity = decimal(s.getQuantity(), "quantity");
        if (!(quantity > 0)) {
            throw new IllegalArgumentException("SubmitOrder.quantity must be above 0, got " + OrderRules.num(quantity));
        }
        double price = limit ? decimal(s.getPrice(), "price") : 0;
        if (limit && !(price > 0)) {
            throw new IllegalArgumentException("a LIMIT SubmitOrder needs a price above 0");
        }
        return new NewOrder(strategy, s.getClientOrderId(), s.getInstrumentId(), s.getSide() == OrderSide.ORDER_SIDE_BUY,
                limit, quantity, price);
    }

    private static double decimal(Decimal d, String field) {
        if (d.getScale() > MAX_SCALE) {
            throw new IllegalArgumentException("SubmitOrder." + field + ".scale must be at most " + MAX_SCALE
                    + ", got " + Integer.toUnsignedString(d.getScale()));
        }
        return MidPrices.value(d);
    }

    private StrategyBook book(String strategy) {
        StrategyBook book = books.get(strategy);
        if (book == null) {
            if (books.size() >= maxStrategies) {
                return null;
            }
            book = books.computeIfAbsent(strategy, s -> new StrategyBook(s, maxInstruments, maxTrackedOrders, flow != null));
        }
        return book;
    }

    /** Publishes the OrderRejected of a refused order on the strategy's event topic. */
    private void reject(Route route, SubmitOrder order, Refusal r) {
        long nowNanos = clock.millis() * 1_000_000L;
        OrderRejected event = OrderRejected.newBuilder().setClientOrderId(order.getClientOrderId())
                .setInstrumentId(order.getInstrumentId()).setReason(r.text()).setTsEvent(nowNanos)
                .setTsInit(order.getTsInit()).build();
        rejections.accept(Message.newBuilder()
                // unique per refusal: an order resent with the same id and refused again is told again
                .setId("risk-rejected/" + gatewayId + "/" + rejectionSeq.incrementAndGet() + "/" + order.getClientOrderId())
                .setTopic(EVENTS + route.venue() + "." + route.strategy())
                .setPriority(Priority.PRIORITY_HIGH)
                .setOrderingKey(order.getClientOrderId())
                .setContentType(TYPE + "OrderRejected")
                .setPayload(event.toByteString())
                .setTsEvent(nowNanos)
                .setTsInit(nowNanos)
                .build());
    }

    @Override
    public void stored(Message message) {
        if (flow == null) {
            applyEvent(message);
        }
        // else the bus brings this replica's events back like every other replica's, applied once there
    }

    /** A command or event read from the bus (see {@link #followBus}); on the backend's delivery thread (never Lettuce's event loop). */
    private void fromBus(StoredMessage stored) {
        busEntries.incrementAndGet();
        Message message = stored.message();
        String topic = message.getTopic();
        if (topic.startsWith(EVENTS)) {
            applyEvent(message);
        } else if (topic.startsWith(COMMANDS) && message.getContentType().endsWith(SUBMIT)) {
            passedElsewhere(message, topic);
        }
    }

    /** A stored order: counted unless this replica counted it when it checked it. */
    private void passedElsewhere(Message message, String topic) {
        Route route = route(topic, COMMANDS);
        if (route == null) {
            return;
        }
        try {
            SubmitOrder s = SubmitOrder.parseFrom(message.getPayload());
            if (!ownOrders.isEmpty() && ownOrders.remove(ownKey(message.getId(), route.strategy(), s.getClientOrderId()))) {
                return;
            }
            StrategyBook book = book(route.strategy());
            if (book != null) {
                book.passedElsewhere(order(s, route.strategy()));
            }
        } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
            // stored without the gate (risk off on the replica that took it): not an order it can count
        }
    }

    /** What {@link #ownOrders} holds for an order: its message id, else its strategy and client order id. */
    private static String ownKey(String messageId, String strategy, String clientOrderId) {
        return !messageId.isEmpty() ? messageId : strategy + '\n' + clientOrderId;
    }

    /** An execution event moves the positions and open orders of the topic's STRATEGY. */
    private void applyEvent(Message message) {
        String topic = message.getTopic();
        if (!topic.startsWith(EVENTS)) {
            return;
        }
        Route route = route(topic, EVENTS);
        String type = message.getContentType();
        if (route == null || !type.startsWith(TYPE)) {
            return;
        }
        StrategyBook book = books.get(route.strategy());
        try {
            switch (type.substring(TYPE.length())) {
                case "OrderFilled" -> {
                    OrderFilled f = OrderFilled.parseFrom(message.getPayload());
                    book = book != null ? book : book(route.strategy());
                    int side = f.getSide() == OrderSide.ORDER_SIDE_BUY ? 1 : f.getSide() == OrderSide.ORDER_SIDE_SELL ? -1 : 0;
                    if (book != null && f.getLastQty().getScale() <= MAX_SCALE) {
                        book.filled(f.getClientOrderId(), f.getInstrumentId(), side, MidPrices.value(f.getLastQty()));
                    }
                }
                case "OrderRejected" -> {
                    if (book != null) {
                        book.ended(OrderRejected.parseFrom(message.getPayload()).getClientOrderId());
                    }
                }
                case "OrderCanceled" -> {
                    if (book != null) {
                        book.ended(OrderCanceled.parseFrom(message.getPayload()).getClientOrderId());
                    }
                }
                default -> {
                    // OrderAccepted and others change nothing the rules read
                }
            }
        } catch (InvalidProtocolBufferException e) {
            // the adapter's event is not ours to judge; its subscribers see it as it is
        }
    }

    @Override
    public void failed(Message message) {
        String topic = message.getTopic();
        if (!topic.startsWith(COMMANDS) || !message.getContentType().endsWith(SUBMIT)) {
            return;
        }
        Route route = route(topic, COMMANDS);
        try {
            SubmitOrder s = SubmitOrder.parseFrom(message.getPayload());
            if (flow != null && route != null) {
                ownOrders.remove(ownKey(message.getId(), route.strategy(), s.getClientOrderId()));
            }
            // the strategy may be an identity rather than the topic's segment; then they are equal
            StrategyBook book = route == null ? null : books.get(route.strategy());
            if (book != null) {
                book.ended(s.getClientOrderId());
            }
        } catch (InvalidProtocolBufferException e) {
            // check() refused it already, so it was never counted
        }
    }

    /** The venue and strategy of {@code <prefix><VENUE>.<STRATEGY>}, or null for another shape. */
    private static Route route(String topic, String prefix) {
        int start = prefix.length();
        int dot = topic.indexOf('.', start);
        if (dot <= start || dot == topic.length() - 1 || topic.indexOf('.', dot + 1) >= 0) {
            return null;
        }
        return new Route(topic.substring(start, dot), topic.substring(dot + 1));
    }

    /** The book of a strategy, for tests; null when it sent nothing. */
    StrategyBook bookOf(String strategy) {
        return books.get(strategy);
    }

    /**
     * Open orders of a strategy on an instrument as this replica counts them (0 when unknown);
     * for tests, benchmarks and the admin view. Any thread.
     */
    public int openOrders(String strategy, String instrumentId) {
        StrategyBook book = books.get(strategy);
        return book == null ? 0 : book.openOrders(instrumentId);
    }

    /**
     * Entries of {@code exec.commands.>} and {@code exec.events.>} read from the bus since start
     * (every replica's, this one's included; 0 without {@link #followBus}): when it equals what
     * the replicas stored, this replica's counts include everything they let pass. Any thread.
     */
    public long busEntriesRead() {
        return busEntries.get();
    }

    /** True unless this replica is still reading the retained orders and events at start (see {@link #followBus}). */
    public boolean rebuilt() {
        StoredTopicsFollower f = flow;
        return f == null || f.caughtUp();
    }

    /**
     * For {@code /readyz}: null once {@link #rebuilt()}, else why this replica should not take
     * traffic yet (it would refuse new orders UNAVAILABLE). Any thread.
     */
    public String notReadyReason() {
        return rebuilt() ? null : "risk: rebuilding positions and open orders from the retained exec.commands and "
                + "exec.events streams (" + busEntries.get() + " entries read so far); new orders are refused until done";
    }

    /** Stops the shared order flow, the limits reloader and the kill-switch poller, and closes their Redis connection. */
    @Override
    public void close() {
        StoredTopicsFollower f = flow;
        if (f != null) {
            f.close();
        }
        limits.close();
        kills.close();
    }
}
