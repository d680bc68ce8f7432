package io.tidegate.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.proto.market.v1.InstrumentDefinition;
import io.tidegate.proto.v1.ConnectResponse;
import io.tidegate.proto.v1.Message;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Subscribing by instrument under {@code security.acl}: the rules' topic filter and the
 * instruments' one both apply, so a caller allowed one venue's quotes gets that venue's topic of
 * the instrument and not the others; one allowed no topic of the data kind is refused. Static API
 * tokens, real gRPC over sockets.
 */
class InstrumentSubscriptionAuthorisationTest {

    private static final String TRADER = "tg_token_of_the_trader";
    private static final String DESK = "tg_token_of_the_okx_desk";
    private static final String RULES = """
            rules = [
              { who = "role:trader", publish-allow = [">"], subscribe-allow = [">"] }
              { who = "id:okx-desk", subscribe-allow = ["data.quotes.OKX.>"] }
            ]
            """;

    @TempDir
    Path dir;

    private static Message listing(String venue, String id) {
        return Message.newBuilder().setTopic("data.instruments." + venue).setOrderingKey(id)
                .setPayload(InstrumentDefinition.newBuilder().setVenue(venue).setSegment("spot").setRawSymbol(id)
                        .setCanonicalKey("BTC/USDT").build().toByteString())
                .build();
    }

    @Test
    void theRulesAndTheInstrumentsBothDecideWhichTopicsAreRead() throws Exception {
        Path rules = Files.writeString(dir.resolve("acl.conf"), RULES);
        try (EmbeddedGateway gateway = EmbeddedGateway.start(GatewayConfig.defaultsWith("grpc.port=0", "http.port=0",
                "security.api-tokens.strategy-a.sha256=" + StaticTokens.sha256Hex(TRADER),
                "security.api-tokens.strategy-a.roles=[trader]",
                "security.api-tokens.okx-desk.sha256=" + StaticTokens.sha256Hex(DESK),
                "security.acl.enabled=true", "security.acl.file=" + rules))) {
            ManagedChannel channel = TestChannels.plaintext(gateway.grpcPort());
            try (TestStream trader = TestStream.open(channel, TestChannels.bearer(TRADER));
                 TestStream desk = TestStream.open(channel, TestChannels.bearer(DESK))) {
                trader.hello("a");
                desk.hello("d");
                trader.publish(listing("BINANCE", "BTCUSDT"));
                trader.publish(listing("OKX", "BTC-USDT"));
                await().atMost(Duration.ofSeconds(20)).until(() -> gateway.instrumentRegistry().announced() == 2);

                ConnectResponse refused = desk.subscribeInstruments("trades", "trades", "BTC/USDT");
                assertThat(refused.getError().getError().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED.value());
                assertThat(desk.subscribeInstruments("btc", "quotes", "BTC/USDT").hasSubscribed()).isTrue();
                assertThat(trader.subscribeInstruments("btc", "quotes", "BTC/USDT").hasSubscribed()).isTrue();

                trader.publish("data.quotes.BINANCE.BTCUSDT", "data.quotes.OKX.ETH-USDT");
                // the trader, allowed everything, sees the Binance quote: it was there to be seen
                assertThat(trader.deliveredUntil("data.quotes.BINANCE.BTCUSDT")).isNotEmpty();
                trader.publish("data.quotes.OKX.BTC-USDT");
                assertThat(trader.deliveredUntil("data.quotes.OKX.BTC-USDT"))
                        .containsExactlyInAnyOrder("data.quotes.BINANCE.BTCUSDT", "data.quotes.OKX.BTC-USDT");
                List<String> seen = desk.deliveredUntil("data.quotes.OKX.BTC-USDT");
                assertThat(seen).containsExactly("data.quotes.OKX.BTC-USDT");
            } finally {
                channel.shutdownNow();
            }
        }
    }
}
