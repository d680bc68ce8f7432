package io.tidegate.gateway.security;

import io.tidegate.testkit.TestPki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.grpc.ManagedChannel;
import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.proto.v1.ConnectResponse;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Certificates rotate without a restart: the gateway watches its PEM files, and once they change a
 * new connection is shown the new certificate while a stream opened before keeps working; files
 * that cannot be used (a certificate written before its key) leave the previous certificate in
 * use and are logged once. Real TLS over sockets; certificates made at test time.
 */
class CertificateRotationTest {

    @TempDir
    Path dir;

    @Test
    void aNewConnectionGetsTheRotatedCertificateWhileAnOpenStreamCarriesOn() throws Exception {
        TestPki pki = new TestPki("rotation-ca");
        Path chain = dir.resolve("server.pem");
        Path key = dir.resolve("server.key");
        TestPki.Issued first = pki.server();
        pki.write(first, chain, key);
        ListAppender<ILoggingEvent> log = capture(WatchedFiles.class);
        List<BigInteger> seenByOld = new CopyOnWriteArrayList<>();
        try (EmbeddedGateway gateway = EmbeddedGateway.start(GatewayConfig.defaultsWith("grpc.port=0", "http.port=-1",
                "security.tls.cert-chain-file=" + chain, "security.tls.private-key-file=" + key,
                "security.tls.reload-interval=100ms"))) {
            ManagedChannel old = TestChannels.tls(gateway.grpcPort(), pki.ca(), null, seenByOld);
            TestStream open = TestStream.open(old, null);
            assertThat(open.hello("before-rotation").hasWelcome()).isTrue();
            assertThat(seenByOld).containsOnly(first.serial());

            TestPki.Issued second = pki.server();
            pki.write(second, chain, key);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(servedSerial(gateway, pki)).isEqualTo(second.serial()));

            ConnectResponse ack = open.publish("orders.after-rotation");
            assertThat(ack.getPublishAck().getResults(0).hasError()).as("the old stream still publishes").isFalse();
            assertThat(seenByOld).as("no new handshake on the open stream").containsOnly(first.serial());

            // the certificate of a third pair written without its key: refused, the second stays
            // (the pair was renamed into place one file at a time: a check in between may have warned)
            int before = warnings(log);
            TestPki.Issued third = pki.server();
            TestPki.replace(chain, TestPki.pem(third.certificate()) + TestPki.pem(pki.ca()));
            await().atMost(Duration.ofSeconds(10)).until(() -> warnings(log) == before + 1);
            assertThat(servedSerial(gateway, pki)).isEqualTo(second.serial());
            assertThat(log.list).filteredOn(e -> e.getLevel() == Level.WARN).last()
                    .satisfies(e -> assertThat(e.getFormattedMessage()).contains("does not belong", "previous"));

            // then its key arrives: loaded; the bad state was logged once however often it was checked
            TestPki.replace(key, TestPki.pkcs8(third.key()));
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(servedSerial(gateway, pki)).isEqualTo(third.serial()));
            assertThat(warnings(log)).isEqualTo(before + 1);
            assertThat(open.publish("orders.after-second-rotation").getPublishAck().getResults(0).hasError()).isFalse();
            open.close();
            old.shutdownNow();
        } finally {
            ((Logger) LoggerFactory.getLogger(WatchedFiles.class)).detachAppender(log);
        }
    }

    /** The serial of the certificate a new gRPC connection is shown (after a real call on it). */
    private static BigInteger servedSerial(EmbeddedGateway gateway, TestPki pki) throws Exception {
        List<BigInteger> seen = new CopyOnWriteArrayList<>();
        ManagedChannel fresh = TestChannels.tls(gateway.grpcPort(), pki.ca(), null, seen);
        try {
            TestChannels.publishOne(TestChannels.withToken(fresh, null), "probe.tls");
            return seen.get(0);
        } finally {
            fresh.shutdownNow();
        }
    }

    private static int warnings(ListAppender<ILoggingEvent> log) {
        return (int) log.list.stream().filter(e -> e.getLevel() == Level.WARN).count();
    }

    static ListAppender<ILoggingEvent> capture(Class<?> type) {
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        ((Logger) LoggerFactory.getLogger(type)).addAppender(appender);
        return appender;
    }
}
