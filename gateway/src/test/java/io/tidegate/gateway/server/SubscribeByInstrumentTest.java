package io.tidegate.gateway.server;

import static io.tidegate.gateway.server.TestMessages.broadcast;
import static io.tidegate.gateway.server.TestMessages.msg;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.gateway.instruments.InstrumentRegistry;
import io.tidegate.proto.market.v1.InstrumentDefinition;
import io.tidegate.proto.v1.ConnectResponse;
import io.tidegate.proto.v1.Delivery;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.Subscribe;
import io.tidegate.proto.v1.SubscriptionMode;
import io.tidegate.testkit.RedisServer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * Subscribe by instrument through a real gateway: a Subscribe naming a canonical key and a data
 * kind receives that instrument's topics on every venue listing it, including a venue listed
 * after it subscribed, and nothing else.
 */
class SubscribeByInstrumentTest {

    private static Message listing(String venue, String id, String key) {
        return Message.newBuilder().setTopic("data.instruments." + venue).setOrderingKey(id)
                .setPayload(InstrumentDefinition.newBuilder().setVenue(venue).setSegment("spot").setRawSymbol(id)
                        .setCanonicalKey(key).build().toByteString())
                .build();
    }

    @Test
    void anInstrumentsTopicsOnEveryVenueArriveIncludingVenuesListedLater() throws Exception {
        try (EmbeddedGateway gateway = EmbeddedGateway.startOnLoopback()) {
            showsInstrumentTopicsOnEveryVenue(gateway);
        }
    }

    @Test
    void withRedisVenuesListedLaterJoinTheLiveSubscriptionToo() throws Exception {
        try (RedisServer redis = RedisServer.start();
             EmbeddedGateway gateway = EmbeddedGateway.startOnLoopback("backend.redis.uri=" + redis.uri())) {
            showsInstrumentTopicsOnEveryVenue(gateway);
        }
    }

    private static void showsInstrumentTopicsOnEveryVenue(EmbeddedGateway gateway) throws Exception {
        try (FrameClient pub = FrameClient.connected(gateway.target());
             FrameClient sub = FrameClient.connected(gateway.target())) {
            InstrumentRegistry registry = gateway.instrumentRegistry();
            pub.await(pub.publish(listing("BINANCE", "BTCUSDT", "BTC/USDT"), listing("OKX", "ETH-USDT", "ETH/USDT")));
            // OKX's BTC topic exists before OKX lists it
            pub.await(pub.publish(msg("data.quotes.OKX.BTC-USDT", "o0")));
            await(() -> registry.announced() == 2);
            // entry ids are in milliseconds: subscribe in a later one than o0's, so o0 is before the start
            long o0Millis = System.currentTimeMillis();
            await(() -> System.currentTimeMillis() > o0Millis);

            ConnectResponse subscribed = sub.await(sub.subscribe(Subscribe.newBuilder().setSubscriptionId("btc")
                    .addInstruments("btc/usdt").setDataKind("quotes").setInitialCredit(100)));
            assertThat(subscribed.hasSubscribed()).as("%s", subscribed).isTrue();

            pub.await(pub.publish(msg("data.quotes.BINANCE.BTCUSDT", "b1"), msg("data.quotes.OKX.ETH-USDT", "e1"),
                    msg("data.trades.BINANCE.BTCUSDT", "t1"), msg("data.quotes.OKX.BTC-USDT", "o-unlisted")));
            // listed after the subscription: an existing topic (OKX) and a new venue (COINBASE)
            pub.await(pub.publish(listing("OKX", "BTC-USDT", "BTC/USDT"), listing("COINBASE", "BTC-USDT", "BTC/USDT")));
            await(() -> registry.announced() == 4);
            pub.await(pub.publish(msg("data.quotes.OKX.BTC-USDT", "o1"), msg("data.quotes.COINBASE.BTC-USDT", "c1"),
                    msg("data.quotes.BINANCE.BTCUSDT", "b2")));

            List<Delivery> got = sub.awaitDeliveries("btc", 5);
            assertThat(got).extracting(d -> d.getMessage().getTopic() + " " + d.getMessage().getPayload().toStringUtf8())
                    .containsExactlyInAnyOrder("data.quotes.BINANCE.BTCUSDT b1", "data.quotes.OKX.BTC-USDT o-unlisted",
                            "data.quotes.OKX.BTC-USDT o1",
                            "data.quotes.COINBASE.BTC-USDT c1", "data.quotes.BINANCE.BTCUSDT b2");
            // OKX's topic is read from when the subscription started (o-unlisted came after it, o0 before)
            sub.assertNoDeliveryWithin("btc", 300);
        }
    }

    @Test
    void withRedisAVenueListedThroughAnotherReplicaJoinsASubscriptionMadeBeforeTheListing() throws Exception {
        try (RedisServer redis = RedisServer.start();
             EmbeddedGateway a = EmbeddedGateway.startOnLoopback("backend.redis.uri=" + redis.uri());
             EmbeddedGateway b = EmbeddedGateway.startOnLoopback("backend.redis.uri=" + redis.uri());
             FrameClient pubA = FrameClient.connected(a.target());
             FrameClient subB = FrameClient.connected(b.target())) {
            ConnectResponse subscribed = subB.await(subB.subscribe(Subscribe.newBuilder().setSubscriptionId("btc")
                    .addInstruments("BTC/USDT").setDataKind("quotes").setInitialCredit(100)));
            assertThat(subscribed.hasSubscribed()).as("%s", subscribed).isTrue();

            // through A only: a quote on the venue's topic before its listing, the listing, then more quotes
            pubA.await(pubA.publish(msg("data.quotes.KRAKEN.XBTUSDT", "k0")));
            pubA.await(pubA.publish(listing("KRAKEN", "XBTUSDT", "BTC/USDT")));
            InstrumentRegistry onB = b.instrumentRegistry();
            await(() -> onB.announced() == 1);
            pubA.await(pubA.publish(msg("data.quotes.KRAKEN.XBTUSDT", "k1"), msg("data.quotes.KRAKEN.ETHUSDT", "e1"),
                    msg("data.trades.KRAKEN.XBTUSDT", "t1")));

            List<Delivery> got = subB.awaitDeliveries("btc", 2);
            assertThat(got).extracting(d -> d.getMessage().getTopic() + " " + d.getMessage().getPayload().toStringUtf8())
                    .containsExactly("data.quotes.KRAKEN.XBTUSDT k0", "data.quotes.KRAKEN.XBTUSDT k1");
            subB.assertNoDeliveryWithin("btc", 300);
        }
    }

    @Test
    void badInstrumentSubscriptionsAreRefusedSayingWhatToFixAndTheStreamLives() {
        try (EmbeddedGateway gateway = EmbeddedGateway.startOnLoopback();
             FrameClient client = FrameClient.connected(gateway.target())) {
            assertRefused(client, Subscribe.newBuilder().setSubscriptionId("a").addInstruments("bitcoin")
                    .setDataKind("quotes"), "is not a canonical key");
            assertRefused(client, Subscribe.newBuilder().setSubscriptionId("b").addInstruments("BTC/USDT")
                    .setDataKind("candles"), "data_kind");
            assertRefused(client, Subscribe.newBuilder().setSubscriptionId("c").addInstruments("BTC/USDT")
                    .setDataKind("quotes").setMode(SubscriptionMode.SUBSCRIPTION_MODE_GROUP).setGroup("g"), "BROADCAST");
            assertRefused(client, broadcast("d", "data.>").setDataKind("quotes"), "instruments is empty");
            Subscribe.Builder tooMany = Subscribe.newBuilder().setSubscriptionId("e").setDataKind("quotes");
            for (int i = 0; i < 65; i++) {
                tooMany.addInstruments("C" + i + "/USDT");
            }
            assertRefused(client, tooMany, "at most 64");
            assertThat(client.await(client.subscribe(Subscribe.newBuilder().setSubscriptionId("ok")
                    .addInstruments("BTC/USDT").setDataKind("trades"))).hasSubscribed()).isTrue();
            client.assertAlive();
        }
    }

    private static void assertRefused(FrameClient client, Subscribe.Builder subscribe, String says) {
        ConnectResponse f = client.await(client.subscribe(subscribe));
        assertThat(f.hasError()).as("expected an error, got %s", f).isTrue();
        assertThat(f.getError().getError().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT.value());
        assertThat(f.getError().getError().getMessage()).contains(says);
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long giveUpAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition not reached").isLessThan(giveUpAt);
            Thread.sleep(20);
        }
    }
}
