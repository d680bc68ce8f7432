package io.tidegate.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.proto.market.v1.InstrumentDefinition;
import io.tidegate.proto.v1.Message;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * A Java strategy subscribes by canonical instrument through the SDK and a real gateway: it gets
 * the instrument's quotes on both venues that list it, one of them listed after it subscribed,
 * and nothing of other instruments.
 */
class InstrumentSubscriptionTest {

    private static Message listing(String venue, String id, String key) {
        return Message.newBuilder().setTopic("data.instruments." + venue).setOrderingKey(id)
                .setPayload(InstrumentDefinition.newBuilder().setVenue(venue).setSegment("linear").setRawSymbol(id)
                        .setCanonicalKey(key).build().toByteString())
                .build();
    }

    private static Message quote(String venue, String id, String text) {
        return Message.newBuilder().setTopic("data.quotes." + venue + "." + id)
                .setPayload(com.google.protobuf.ByteString.copyFromUtf8(text)).build();
    }

    @Test
    void aStrategyGetsItsInstrumentOnEveryVenueThatListsIt() throws Exception {
        try (EmbeddedGateway gateway = EmbeddedGateway.startOnLoopback();
             TidegateClient publisher = TidegateClient.builder().endpoints(gateway.target()).clientName("pub").build();
             TidegateClient strategy = TidegateClient.builder().endpoints(gateway.target()).clientName("strat").build()) {
            publisher.publish(listing("BYBIT", "BTCUSDT", "BTC/USDT:USDT")).get();
            await().atMost(Duration.ofSeconds(20)).until(() -> gateway.instrumentRegistry().announced() == 1);

            List<String> got = new CopyOnWriteArrayList<>();
            Subscription sub = strategy.subscribe(SubscriptionOptions.instruments("quotes", "BTC/USDT:USDT"),
                    m -> got.add(m.message().getTopic() + " " + m.message().getPayload().toStringUtf8()));
            sub.confirmed().get();

            publisher.publish(listing("OKX", "BTC-USDT-SWAP", "BTC/USDT:USDT")).get();
            await().atMost(Duration.ofSeconds(20)).until(() -> gateway.instrumentRegistry().announced() == 2);
            publisher.publish(quote("BYBIT", "BTCUSDT", "bybit")).get();
            publisher.publish(quote("OKX", "BTC-USDT-SWAP", "okx")).get();
            publisher.publish(quote("OKX", "ETH-USDT-SWAP", "eth")).get();

            await().atMost(Duration.ofSeconds(20)).until(() -> got.size() >= 2);
            assertThat(got).containsExactlyInAnyOrder("data.quotes.BYBIT.BTCUSDT bybit",
                    "data.quotes.OKX.BTC-USDT-SWAP okx");
        }
    }
}
