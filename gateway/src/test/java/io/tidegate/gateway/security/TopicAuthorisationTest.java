package io.tidegate.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.proto.v1.ConnectResponse;
import io.tidegate.proto.v1.PublishResult;
import io.tidegate.proto.v1.Subscribe;
import io.tidegate.proto.v1.SubscribeRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code security.acl}: a forbidden publish is answered PERMISSION_DENIED for that message alone,
 * a subscription or group join outside the rules is refused PERMISSION_DENIED, a pattern allowed
 * in part delivers only the allowed topics, and each refusal is counted. Two identities with
 * static API tokens (a trader and a monitor), real gRPC over sockets, rules in a file.
 */
class TopicAuthorisationTest {

    private static final String TRADER = "tg_token_of_the_trader";
    private static final String MONITOR = "tg_token_of_the_monitor";
    static final String RULES = """
            rules = [
              { who = "role:trader", publish-allow = ["exec.commands.BINANCE.>", "data.>"], publish-deny = ["data.private.>"],
                subscribe-allow = [">"], join-groups = ["g1"] }
              { who = "id:risk-monitor", subscribe-allow = [">"], subscribe-deny = ["exec.>"], join-groups = ["*"] }
            ]
            """;

    @TempDir
    static Path dir;
    private static EmbeddedGateway gateway;
    private static ManagedChannel channel;

    @BeforeAll
    static void start() throws Exception {
        Path rules = Files.writeString(dir.resolve("acl.conf"), RULES);
        gateway = EmbeddedGateway.start(GatewayConfig.defaultsWith("grpc.port=0", "http.port=0",
                "security.api-tokens.strategy-a.sha256=" + StaticTokens.sha256Hex(TRADER),
                "security.api-tokens.strategy-a.roles=[trader]",
                "security.api-tokens.risk-monitor.sha256=" + StaticTokens.sha256Hex(MONITOR),
                "security.acl.enabled=true", "security.acl.file=" + rules));
        channel = TestChannels.plaintext(gateway.grpcPort());
    }

    @AfterAll
    static void stop() {
        channel.shutdownNow();
        gateway.close();
    }

    @Test
    void onlyTheForbiddenMessagesOfABatchAreRefusedAndTheStreamGoesOn() throws Exception {
        try (TestStream trader = TestStream.open(channel, TestChannels.bearer(TRADER))) {
            trader.hello("a");
            List<PublishResult> results = trader.publish("exec.commands.BINANCE.o1", "exec.commands.KRAKEN.o2",
                    "data.private.notes", "data.quotes.BTCUSDT").getPublishAck().getResultsList();
            assertThat(results.get(0).hasError()).isFalse();
            assertThat(results.get(1).getError().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED.value());
            assertThat(results.get(1).getError().getMessage()).contains("strategy-a", "exec.commands.KRAKEN.o2", "no rule allows it");
            assertThat(results.get(2).getError().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED.value());
            assertThat(results.get(2).getError().getMessage()).contains("publish-deny \"data.private.>\"");
            assertThat(results.get(3).hasError()).isFalse();
            assertThat(trader.publish("exec.commands.BINANCE.o3").getPublishAck().getResults(0).hasError()).isFalse();
        }
        PublishResult unary = TestChannels.publishOne(TestChannels.withToken(channel, MONITOR), "data.quotes.ETHUSDT").getResults(0);
        assertThat(unary.getError().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED.value());
        assertThat(metrics()).containsPattern("tidegate_acl_refusals_total\\{action=\"publish\"} [1-9]");
    }

    @Test
    void aSubscriptionWhollyOutsideTheRulesIsRefused() throws Exception {
        try (TestStream monitor = TestStream.open(channel, TestChannels.bearer(MONITOR))) {
            monitor.hello("m");
            for (String pattern : List.of("exec.>", "exec.commands.BINANCE.o1", "exec.*.BINANCE.>")) {
                ConnectResponse refused = monitor.subscribe("s-" + pattern.length(), null, pattern);
                assertThat(refused.getError().getError().getCode()).as(pattern).isEqualTo(Status.Code.PERMISSION_DENIED.value());
                assertThat(refused.getError().getError().getMessage()).contains("risk-monitor", "subscribe-deny \"exec.>\"");
            }
            assertThat(monitor.subscribe("fine", null, "data.>").hasSubscribed()).isTrue();
        }
        var unary = io.tidegate.proto.v1.GatewayServiceGrpc.newBlockingStub(channel).withInterceptors(TestChannels.bearer(MONITOR))
                .subscribe(SubscribeRequest.newBuilder().setSubscription(Subscribe.newBuilder().setSubscriptionId("u").addPatterns("exec.>")).build());
        assertThatThrownBy(unary::next).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
        assertThat(metrics()).containsPattern("tidegate_acl_refusals_total\\{action=\"subscribe\"} [1-9]");
    }

    @Test
    void aCatchAllSubscriberWithoutRightsToExecNeverSeesAnOrder() throws Exception {
        try (TestStream monitor = TestStream.open(channel, TestChannels.bearer(MONITOR));
             TestStream trader = TestStream.open(channel, TestChannels.bearer(TRADER))) {
            monitor.hello("m");
            trader.hello("a");
            assertThat(monitor.subscribe("all", null, ">").hasSubscribed()).isTrue();
            assertThat(trader.subscribe("all", null, ">").hasSubscribed()).isTrue();
            trader.publish("exec.commands.BINANCE.p1", "data.quotes.p1");
            trader.publish("exec.commands.BINANCE.p2");
            trader.publish("data.quotes.p2");
            // the trader, allowed everything, sees both orders: they were there to be seen
            assertThat(trader.deliveredUntil("data.quotes.p2")).contains("data.quotes.p1");
            assertThat(trader.deliveredUntil("exec.commands.BINANCE.p2")).contains("exec.commands.BINANCE.p1");
            List<String> seen = monitor.deliveredUntil("data.quotes.p2");
            assertThat(seen).contains("data.quotes.p1").noneMatch(t -> t.startsWith("exec."));
        }
    }

    @Test
    void joiningAGroupTheRulesDoNotNameIsRefused() throws Exception {
        try (TestStream trader = TestStream.open(channel, TestChannels.bearer(TRADER))) {
            trader.hello("a");
            ConnectResponse refused = trader.subscribe("g", "g2", "data.>");
            assertThat(refused.getError().getError().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED.value());
            assertThat(refused.getError().getError().getMessage()).contains("join group \"g2\"");
            assertThat(trader.subscribe("g", "g1", "data.>").hasSubscribed()).isTrue();
        }
        assertThat(metrics()).containsPattern("tidegate_acl_refusals_total\\{action=\"join_group\"} [1-9]");
    }

    private static String metrics() throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + gateway.httpPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
    }
}
