package io.tidegate.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.proto.market.v1.CancelOrder;
import io.tidegate.proto.market.v1.Decimal;
import io.tidegate.proto.market.v1.OrderCanceled;
import io.tidegate.proto.market.v1.OrderFilled;
import io.tidegate.proto.market.v1.OrderRejected;
import io.tidegate.proto.market.v1.OrderSide;
import io.tidegate.proto.market.v1.OrderType;
import io.tidegate.proto.market.v1.QuoteTick;
import io.tidegate.proto.market.v1.SubmitOrder;
import io.tidegate.proto.v1.KillRequest;
import io.tidegate.proto.v1.KillScope;
import io.tidegate.proto.v1.ListKillsRequest;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.ReviveRequest;
import io.tidegate.proto.v1.RiskServiceGrpc;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pre-trade risk gate through a real gateway (memory backend) over gRPC sockets, with the
 * Java SDK: each rule refuses its order with the right status and text, and the strategy hears
 * the refusal as an OrderRejected on its event topic; the kill switch over gRPC and the admin port;
 * limits reloaded from their file.
 */
class RiskGateTest {

    static final String TYPE = "application/x-protobuf; type=tidegate.market.v1.";
    private static final String BTC = "BTCUSDT.BINANCE";
    /** The mid never goes stale here (max-price-age=0s), so a slow machine cannot change an outcome. */
    private static final String LIMITS = "[ { strategy = strat-1, max-quantity = 10, max-notional = 500000, "
            + "collar-bps = 100, max-open-orders = 3 },"
            + "{ strategy = strat-2, max-position = 10 },"
            + "{ strategy = strat-rate, orders-per-second = 0.001 } ]";

    private EmbeddedGateway gateway;
    private TidegateClient client;
    private ManagedChannel channel;
    private final List<OrderRejected> rejections = new CopyOnWriteArrayList<>();
    private final AtomicInteger sequence = new AtomicInteger();

    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        if (channel != null) {
            channel.shutdownNow();
        }
        if (gateway != null) {
            gateway.close();
        }
    }

    private void start(String... overrides) throws Exception {
        String[] all = new String[overrides.length + 1];
        all[0] = "risk.enabled=true";
        System.arraycopy(overrides, 0, all, 1, overrides.length);
        gateway = EmbeddedGateway.startOnLoopback(all);
        client = TidegateClient.builder().endpoints(gateway.target()).clientName("strategies").build();
        client.subscribe(SubscriptionOptions.broadcast("exec.events.>"), m -> {
            if (m.message().getContentType().equals(TYPE + "OrderRejected")) {
                rejections.add(OrderRejected.parseFrom(m.message().getPayload()));
            }
        }).confirmed().get();
        channel = ManagedChannelBuilder.forTarget(gateway.target()).usePlaintext().build();
    }

    @Test
    void eachRuleRefusesWithItsStatusAndNumbersAndTheStrategyHearsAnOrderRejected() throws Exception {
        start("risk.limits=" + LIMITS, "risk.defaults.max-price-age=0s");
        quote(BTC, "99999", "100001");

        refused(order("strat-1", BTC, "12"), Status.Code.PERMISSION_DENIED,
                "risk: quantity 12 over max-quantity 10 for strat-1 BTCUSDT.BINANCE");
        refused(order("strat-1", BTC, "6"), Status.Code.PERMISSION_DENIED,
                "risk: notional 600000 (quantity 6 x mid 100000) over max-notional 500000 for strat-1 BTCUSDT.BINANCE");
        refused(limitOrder("strat-1", BTC, "1", "102000"), Status.Code.PERMISSION_DENIED,
                "risk: price 102000 is 200 bps from mid 100000, over collar-bps 100 for strat-1 BTCUSDT.BINANCE");
        refused(order("strat-1", "ETHUSDT.BINANCE", "1"), Status.Code.FAILED_PRECONDITION,
                "risk: no mid price known for ETHUSDT.BINANCE (needed by max-notional)");

        publish(order("strat-rate", BTC, "1"));
        refused(order("strat-rate", BTC, "1"), Status.Code.PERMISSION_DENIED,
                "risk: over orders-per-second 0.001 for strat-rate BTCUSDT.BINANCE");
    }

    @Test
    void openOrdersLeaveWithTheirCancelAndThePositionComesFromFills() throws Exception {
        start("risk.limits=" + LIMITS, "risk.defaults.max-price-age=0s");
        quote(BTC, "99999", "100001");
        Message first = order("strat-1", BTC, "1");
        publish(first);
        publish(order("strat-1", BTC, "1"));
        publish(order("strat-1", BTC, "1"));
        refused(order("strat-1", BTC, "1"), Status.Code.PERMISSION_DENIED,
                "risk: 3 open orders, at max-open-orders 3 for strat-1 BTCUSDT.BINANCE");
        publish(event("strat-1", "OrderCanceled", OrderCanceled.newBuilder().setClientOrderId(orderId(first))
                .setInstrumentId(BTC).build()));
        publish(order("strat-1", BTC, "1"));

        Message eight = order("strat-2", BTC, "8");
        publish(eight);
        publish(event("strat-2", "OrderFilled", OrderFilled.newBuilder().setClientOrderId(orderId(eight))
                .setInstrumentId(BTC).setSide(OrderSide.ORDER_SIDE_BUY).setLastQty(decimal("8"))
                .setLastPx(decimal("100000")).build()));
        refused(order("strat-2", BTC, "3"), Status.Code.PERMISSION_DENIED,
                "risk: position 8 with open buys 0 and this buy of 3 would reach 11, over max-position 10 "
                        + "for strat-2 BTCUSDT.BINANCE");
        publish(order("strat-2", BTC, "2"));
    }

    @Test
    void aMalformedOrderIsAnInvalidArgumentAndTheStreamGoesOn() throws Exception {
        start();
        Message bad = Message.newBuilder().setId("bad-1").setTopic("exec.commands.BINANCE.strat-1")
                .setContentType(TYPE + "SubmitOrder").setPayload(ByteString.copyFrom(new byte[] {0x0a, 0x7f, 0x01}))
                .build();
        assertThatThrownBy(() -> client.publish(bad).join()).isInstanceOf(CompletionException.class).cause()
                .isInstanceOfSatisfying(PublishException.class, e -> {
                    assertThat(e.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getMessage()).contains("risk: the payload on exec.commands.BINANCE.strat-1 is not a SubmitOrder");
                });
        Message noSide = wrap("strat-1", "SubmitOrder", SubmitOrder.newBuilder().setClientOrderId("c-1")
                .setInstrumentId(BTC).setOrderType(OrderType.ORDER_TYPE_MARKET).setQuantity(decimal("1")).build());
        refused(noSide, Status.Code.INVALID_ARGUMENT, "risk: SubmitOrder.side must be BUY or SELL");
        Message untyped = order("strat-1", BTC, "1").toBuilder().setContentType("").build();
        refused(untyped, Status.Code.INVALID_ARGUMENT, "must be a SubmitOrder or CancelOrder");
        assertThat(client.isConnected()).isTrue();
        publish(order("strat-1", BTC, "1"));
    }

    @Test
    void theKillSwitchBlocksNewOrdersOverGrpcAndTheAdminPortWhileCancelsPass() throws Exception {
        start("http.port=0");
        var risk = RiskServiceGrpc.newBlockingStub(channel);
        risk.kill(KillRequest.newBuilder().setScope(KillScope.KILL_SCOPE_STRATEGY).setName("strat-1")
                .setReason("runaway").build());
        refused(order("strat-1", BTC, "1"), Status.Code.PERMISSION_DENIED,
                "risk: kill switch strategy strat-1 is on (runaway); new orders refused, cancels pass, for strat-1 "
                        + "BTCUSDT.BINANCE");
        publish(wrap("strat-1", "CancelOrder", CancelOrder.newBuilder().setClientOrderId("c-9").setInstrumentId(BTC).build()));
        publish(order("strat-2", BTC, "1"));
        assertThat(risk.listKills(ListKillsRequest.getDefaultInstance()).getKillsList())
                .singleElement().satisfies(k -> assertThat(k.getKilledBy()).isEqualTo("anonymous"));
        assertThat(risk.revive(ReviveRequest.newBuilder().setScope(KillScope.KILL_SCOPE_STRATEGY).setName("strat-1")
                .build()).getWasKilled()).isTrue();
        publish(order("strat-1", BTC, "1"));

        assertThatThrownBy(() -> risk.kill(KillRequest.newBuilder().setScope(KillScope.KILL_SCOPE_VENUE).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).contains("needs the name of the venue");
                });

        HttpClient http = HttpClient.newHttpClient();
        String admin = "http://127.0.0.1:" + gateway.httpPort();
        HttpResponse<String> killed = http.send(HttpRequest.newBuilder(URI.create(admin + "/admin/kill?scope=venue&name=BINANCE&reason=venue%20down"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(killed.statusCode()).isEqualTo(200);
        refused(order("strat-2", BTC, "1"), Status.Code.PERMISSION_DENIED, "kill switch venue BINANCE is on (venue down)");
        publish(order("strat-2", "BTCUSDT.OKX", "1"));
        assertThat(http.send(HttpRequest.newBuilder(URI.create(admin + "/admin/kills")).build(),
                HttpResponse.BodyHandlers.ofString()).body()).contains("\"scope\":\"venue\",\"name\":\"BINANCE\"");
        assertThat(http.send(HttpRequest.newBuilder(URI.create(admin + "/admin/revive?scope=venue&name=BINANCE"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString()).body())
                .isEqualTo("{\"was_killed\":true}");
        publish(order("strat-2", BTC, "1"));
    }

    @Test
    void limitsReloadFromTheirFileWithoutARestart() throws Exception {
        Path file = Files.writeString(dir.resolve("risk.conf"), "limits = [ { strategy = strat-1, max-quantity = 10 } ]");
        start("risk.limits-file=" + file, "risk.reload-interval=50ms");
        refused(order("strat-1", BTC, "12"), Status.Code.PERMISSION_DENIED, "over max-quantity 10");
        Files.writeString(file, "limits = [ { strategy = strat-1, max-quantity = 20 } ]");
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).untilAsserted(() ->
                assertThat(outcome(order("strat-1", BTC, "12"))).isEqualTo("ok"));
        refused(order("strat-1", BTC, "21"), Status.Code.PERMISSION_DENIED, "over max-quantity 20");
    }

    /** Publishes and expects the refusal, then the OrderRejected with the same reason. */
    private void refused(Message order, Status.Code code, String text) throws InvalidProtocolBufferException {
        assertThatThrownBy(() -> client.publish(order).join()).isInstanceOf(CompletionException.class).cause()
                .isInstanceOfSatisfying(PublishException.class, e -> {
                    assertThat(e.code()).isEqualTo(code);
                    assertThat(e.getMessage()).contains(text);
                });
        if (code == Status.Code.INVALID_ARGUMENT) {
            return; // not an order the gate could name
        }
        String id = SubmitOrder.parseFrom(order.getPayload()).getClientOrderId();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(rejections)
                .anySatisfy(r -> {
                    assertThat(r.getClientOrderId()).isEqualTo(id);
                    assertThat(r.getReason()).contains(text);
                }));
    }

    private String outcome(Message m) {
        try {
            client.publish(m).join();
            return "ok";
        } catch (CompletionException e) {
            return e.getCause().getMessage();
        }
    }

    private PublishReceipt publish(Message m) {
        return client.publish(m).join();
    }

    private static String orderId(Message order) throws InvalidProtocolBufferException {
        return SubmitOrder.parseFrom(order.getPayload()).getClientOrderId();
    }

    private void quote(String instrument, String bid, String ask) {
        String[] parts = instrument.split("\\.");
        publish(Message.newBuilder().setTopic("data.quotes." + parts[1] + "." + parts[0])
                .setContentType(TYPE + "QuoteTick")
                .setPayload(QuoteTick.newBuilder().setInstrumentId(instrument).setBidPrice(decimal(bid))
                        .setAskPrice(decimal(ask)).setBidSize(decimal("1")).setAskSize(decimal("1")).build().toByteString())
                .build());
    }

    Message order(String strategy, String instrument, String quantity) {
        return wrap(strategy, "SubmitOrder", SubmitOrder.newBuilder().setClientOrderId(strategy + "-" + sequence.incrementAndGet())
                .setStrategyId(strategy).setInstrumentId(instrument).setSide(OrderSide.ORDER_SIDE_BUY)
                .setOrderType(OrderType.ORDER_TYPE_MARKET).setQuantity(decimal(quantity)).build());
    }

    private Message limitOrder(String strategy, String instrument, String quantity, String price) {
        return wrap(strategy, "SubmitOrder", SubmitOrder.newBuilder().setClientOrderId(strategy + "-" + sequence.incrementAndGet())
                .setStrategyId(strategy).setInstrumentId(instrument).setSide(OrderSide.ORDER_SIDE_BUY)
                .setOrderType(OrderType.ORDER_TYPE_LIMIT).setQuantity(decimal(quantity)).setPrice(decimal(price)).build());
    }

    private Message event(String strategy, String type, MessageLite payload) {
        return Message.newBuilder().setId("ev-" + sequence.incrementAndGet()).setTopic("exec.events.BINANCE." + strategy)
                .setContentType(TYPE + type).setPayload(payload.toByteString()).build();
    }

    private Message wrap(String strategy, String type, MessageLite payload) {
        return Message.newBuilder().setId("cmd-" + sequence.incrementAndGet())
                .setTopic("exec.commands." + (payload instanceof SubmitOrder s && s.getInstrumentId().endsWith(".OKX")
                        ? "OKX" : "BINANCE") + "." + strategy)
                .setContentType(TYPE + type).setPayload(payload.toByteString()).build();
    }

    static Decimal decimal(String value) {
        BigDecimal d = new BigDecimal(value);
        return Decimal.newBuilder().setUnits(d.unscaledValue().longValueExact()).setScale(Math.max(0, d.scale())).build();
    }
}
