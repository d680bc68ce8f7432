package io.tidegate.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.sdk.SubscriptionStart;
import io.tidegate.sdk.TidegateClient;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The quote publisher and subscriber examples talk to each other through a real gateway. */
class QuoteExamplesTest {

    @Test
    void subscriberPrintsEveryQuoteThePublisherSends() throws Exception {
        try (EmbeddedGateway gateway = EmbeddedGateway.startOnLoopback();
             TidegateClient subClient = TidegateClient.builder().endpoints(gateway.target()).build();
             TidegateClient pubClient = TidegateClient.builder().endpoints(gateway.target()).build()) {
            ByteArrayOutputStream printed = new ByteArrayOutputStream();
            CountDownLatch done = new CountDownLatch(1);
            QuoteSubscriber.run(subClient, "data.quotes.BINANCE.*", SubscriptionStart.latest(), 40,
                    new PrintStream(printed, true, StandardCharsets.UTF_8), done);

            long acked = QuotePublisher.run(pubClient, "BINANCE", List.of("BTCUSDT", "ETHUSDT"), 2000, 40);

            assertThat(acked).isEqualTo(40);
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
            List<String> lines = printed.toString(StandardCharsets.UTF_8).lines().toList();
            assertThat(lines).hasSize(40);
            assertThat(lines).filteredOn(l -> l.startsWith("data.quotes.BINANCE.BTCUSDT BTCUSDT.BINANCE  bid ")).hasSize(20);
            assertThat(lines).allSatisfy(l -> assertThat(l).matches(".*bid \\d+\\.\\d{2} x \\d+\\.\\d{4}  ask \\d+\\.\\d{2} x \\d+\\.\\d{4}"));
        }
    }

    @Test
    void bothMainsRunToCompletionWithTheDocumentedArguments() throws Exception {
        try (EmbeddedGateway gateway = EmbeddedGateway.startOnLoopback()) {
            Thread subscriber = new Thread(() -> {
                try {
                    QuoteSubscriber.main(new String[] {"--endpoint", gateway.target(), "--start", "earliest", "--count", "10"});
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            subscriber.start();
            QuotePublisher.main(new String[] {"--endpoint", gateway.target(), "--rate", "200", "--count", "10"});
            subscriber.join(TimeUnit.SECONDS.toMillis(15));
            assertThat(subscriber.isAlive()).isFalse();
        }
    }

    @Test
    void decimalsPrintExactly() {
        assertThat(QuoteSubscriber.decimal(io.tidegate.proto.market.v1.Decimal.newBuilder().setUnits(6500012).setScale(2).build()))
                .isEqualTo("65000.12");
    }
}
