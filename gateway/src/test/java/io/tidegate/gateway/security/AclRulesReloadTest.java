package io.tidegate.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.gateway.config.GatewayConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The rules file {@code security.acl.file} is loaded again when it changes, without a restart; a
 * file that cannot be used keeps the rules in force. Real gRPC over sockets, static API token.
 */
class AclRulesReloadTest {

    private static final String TOKEN = "tg_token_of_the_strategy";
    private static final String ONLY_DATA = "rules = [ { who = \"id:strategy-a\", publish-allow = [\"data.>\"] } ]";
    private static final String DATA_AND_ORDERS =
            "rules = [ { who = \"id:strategy-a\", publish-allow = [\"data.>\", \"exec.commands.>\"] } ]";

    @TempDir
    Path dir;

    @Test
    void aChangedRulesFileAppliesWithoutARestartAndABrokenOneKeepsTheRulesInForce() throws Exception {
        Path rules = Files.writeString(dir.resolve("acl.conf"), ONLY_DATA);
        try (EmbeddedGateway gateway = EmbeddedGateway.start(GatewayConfig.defaultsWith("grpc.port=0", "http.port=-1",
                "security.api-tokens.strategy-a.sha256=" + StaticTokens.sha256Hex(TOKEN),
                "security.acl.enabled=true", "security.acl.file=" + rules, "security.tls.reload-interval=100ms"))) {
            ManagedChannel channel = TestChannels.plaintext(gateway.grpcPort());
            ListAppender<ILoggingEvent> log = CertificateRotationTest.capture(WatchedFiles.class);
            try {
                var stub = TestChannels.withToken(channel, TOKEN);
                assertThat(errorCode(stub, "exec.commands.BINANCE.o1")).isEqualTo(Status.Code.PERMISSION_DENIED.value());

                Files.writeString(rules, DATA_AND_ORDERS);
                awaitCode(stub, "exec.commands.BINANCE.o1", 0);

                Files.writeString(rules, "rules = [ { who = \"id:strategy-a\", publish-allow = [\"exec..bad\"] } ]");
                awaitWarning(log);
                assertThat(errorCode(stub, "exec.commands.BINANCE.o2")).isZero();
                assertThat(errorCode(stub, "data.quotes.x")).isZero();

                Files.writeString(rules, ONLY_DATA);
                awaitCode(stub, "exec.commands.BINANCE.o3", Status.Code.PERMISSION_DENIED.value());
                assertThat(log.list).filteredOn(e -> e.getLevel() == Level.WARN).hasSize(1);
            } finally {
                ((Logger) LoggerFactory.getLogger(WatchedFiles.class)).detachAppender(log);
                channel.shutdownNow();
            }
        }
    }

    @Test
    void aSubscriptionTheNewRulesNoLongerAllowEndsSayingWhy() throws Exception {
        String orders = "rules = [ { who = \"id:strategy-a\", subscribe-allow = [\"data.>\", \"exec.events.>\"] } ]";
        Path rules = Files.writeString(dir.resolve("acl.conf"), orders);
        try (EmbeddedGateway gateway = EmbeddedGateway.start(GatewayConfig.defaultsWith("grpc.port=0", "http.port=-1",
                "security.api-tokens.strategy-a.sha256=" + StaticTokens.sha256Hex(TOKEN),
                "security.acl.enabled=true", "security.acl.file=" + rules, "security.tls.reload-interval=100ms"))) {
            ManagedChannel channel = TestChannels.plaintext(gateway.grpcPort());
            try (TestStream stream = TestStream.open(channel, TestChannels.bearer(TOKEN))) {
                stream.hello("a");
                assertThat(stream.subscribe("fills", null, "exec.events.>").hasSubscribed()).isTrue();
                assertThat(stream.subscribe("quotes", null, "data.>").hasSubscribed()).isTrue();
                Files.writeString(rules, "rules = [ { who = \"id:strategy-a\", subscribe-allow = [\"data.>\"] } ]");
                assertThat(stream.awaitUnsubscribed("fills")).contains("PERMISSION_DENIED", "exec.events.>");
                // the other subscription goes on, and so does the stream
                assertThat(stream.subscribe("fills", null, "exec.events.>").getError().getError().getCode())
                        .isEqualTo(Status.Code.PERMISSION_DENIED.value());
                assertThat(stream.subscribe("quotes", null, "data.>").getError().getError().getCode())
                        .as("quotes is still open").isEqualTo(Status.Code.ALREADY_EXISTS.value());
            } finally {
                channel.shutdownNow();
            }
        }
    }

    private static int errorCode(io.tidegate.proto.v1.GatewayServiceGrpc.GatewayServiceBlockingStub stub, String topic) {
        return TestChannels.publishOne(stub, topic).getResults(0).getError().getCode();
    }

    /** Publishes until the answer has this code (the reload thread checks the file every 100 ms). */
    private static void awaitCode(io.tidegate.proto.v1.GatewayServiceGrpc.GatewayServiceBlockingStub stub, String topic,
                                  int code) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        int last;
        while ((last = errorCode(stub, topic)) != code) {
            assertThat(System.nanoTime()).as("publish to %s answered %s, never %s", topic, last, code).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    /** Waits until the reload thread has read the broken file and said it keeps the rules in force. */
    private static void awaitWarning(ListAppender<ILoggingEvent> log) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (log.list.stream().noneMatch(e -> e.getLevel() == Level.WARN)) {
            assertThat(System.nanoTime()).as("no warning about the broken rules file").isLessThan(deadline);
            Thread.sleep(50);
        }
        assertThat(log.list).filteredOn(e -> e.getLevel() == Level.WARN).first()
                .satisfies(e -> assertThat(e.getFormattedMessage()).contains("security.acl.file", "exec..bad", "previous"));
    }
}
