package io.tidegate.gateway.server;

import static io.tidegate.gateway.server.TestMessages.msg;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.proto.v1.GatewayServiceGrpc;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.PublishRequest;
import io.tidegate.proto.v1.PublishResult;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * resilience.client-limits on a real gateway over real Connect streams: a message over its
 * client's rate or in-flight limit gets RESOURCE_EXHAUSTED saying which key to raise, the rest of
 * its batch is published, and the stream carries on.
 */
class ClientLimitsTest {

    private static EmbeddedGateway gateway;

    @BeforeAll
    static void startGateway() {
        gateway = EmbeddedGateway.startOnLoopback(
                "limits.max-batch-messages=200",
                "resilience.client-limits.clients.slow.publish-rate=10",
                "resilience.client-limits.clients.slow.publish-burst=10",
                "resilience.client-limits.clients.narrow.max-in-flight=2",
                "resilience.client-limits.clients.unary.publish-rate=5");
    }

    @AfterAll
    static void stopGateway() {
        gateway.close();
    }

    private static Message[] batch(String topic, int n) {
        Message[] m = new Message[n];
        for (int i = 0; i < n; i++) {
            m[i] = msg(topic, "m" + i);
        }
        return m;
    }

    private static List<PublishResult> refused(List<PublishResult> results) {
        return results.stream().filter(r -> r.hasError()).toList();
    }

    @Test
    void aClientOverItsRateGetsResourceExhaustedForTheExcessAndTheStreamSurvives() throws Exception {
        try (FrameClient slow = FrameClient.connected(gateway.target(), "slow")) {
            List<PublishResult> results = slow.await(slow.publish(batch("limits.rate", 40))).getPublishAck().getResultsList();
            assertThat(results).hasSize(40);
            List<PublishResult> refused = refused(results);
            long published = results.stream().filter(PublishResult::hasPosition).count();
            // a burst of 10, perhaps one more period's worth if a refresh falls inside the batch
            assertThat(published).isBetween(10L, 20L);
            assertThat(refused).hasSize(40 - (int) published);
            for (PublishResult r : refused) {
                assertThat(r.getError().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED.value());
            }
            assertThat(refused.get(0).getError().getMessage())
                    .contains("client \"slow\" is limited to 10 msg/s")
                    .contains("resilience.client-limits.clients.slow.publish-rate")
                    .contains("slow down");
            // every later message has the same key (the topic): refused too, so a resend keeps order
            for (PublishResult r : refused.subList(1, refused.size())) {
                assertThat(r.getError().getMessage())
                        .contains("an earlier message with ordering key \"limits.rate\" in this batch was refused");
            }
            // the results keep batch order and the first messages are the ones admitted
            assertThat(results.get(0).hasPosition()).isTrue();
            assertThat(results.get(39).hasError()).isTrue();

            slow.assertAlive();
            Thread.sleep(1100); // the next period's permits
            List<PublishResult> later = slow.await(slow.publish(batch("limits.rate", 5))).getPublishAck().getResultsList();
            assertThat(refused(later)).isEmpty();
        }
    }

    @Test
    void aPerClientOverrideAppliesToThatNameOnly() {
        try (FrameClient slow = FrameClient.connected(gateway.target(), "slow");
             FrameClient other = FrameClient.connected(gateway.target(), "other")) {
            List<PublishResult> limited = slow.await(slow.publish(batch("limits.override", 100))).getPublishAck().getResultsList();
            assertThat(refused(limited)).isNotEmpty();
            for (int round = 0; round < 5; round++) {
                List<PublishResult> free = other.await(other.publish(batch("limits.override", 100))).getPublishAck().getResultsList();
                assertThat(refused(free)).as("client \"other\" has the default limits (unlimited rate)").isEmpty();
            }
        }
    }

    @Test
    void eachStreamOfAClientHasItsOwnLimiter() {
        try (FrameClient a = FrameClient.connected(gateway.target(), "slow");
             FrameClient b = FrameClient.connected(gateway.target(), "slow")) {
            long okA = a.await(a.publish(batch("limits.streams", 10))).getPublishAck().getResultsList().stream()
                    .filter(PublishResult::hasPosition).count();
            long okB = b.await(b.publish(batch("limits.streams", 10))).getPublishAck().getResultsList().stream()
                    .filter(PublishResult::hasPosition).count();
            assertThat(okA).isEqualTo(10);
            assertThat(okB).isEqualTo(10);
        }
    }

    @Test
    void bulkheadRefusesPublishesPastMaxInFlightAndReleasesPermitsWhenTheBackendAnswers() {
        try (FrameClient narrow = FrameClient.connected(gateway.target(), "narrow")) {
            // many publishes at once: 20 frames of 50 messages, sent without waiting for acks
            List<Long> frames = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                frames.add(narrow.publish(batch("limits.bulkhead", 50)));
            }
            int ok = 0;
            List<PublishResult> refused = new ArrayList<>();
            for (long id : frames) {
                List<PublishResult> results = narrow.await(id).getPublishAck().getResultsList();
                assertThat(results).hasSize(50);
                ok += (int) results.stream().filter(PublishResult::hasPosition).count();
                refused.addAll(refused(results));
            }
            assertThat(refused).isNotEmpty();
            assertThat(ok).isGreaterThanOrEqualTo(2);
            for (PublishResult r : refused) {
                assertThat(r.getError().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED.value());
                // the first refusal of a frame names the limit; the rest of that key follow it
                assertThat(r.getError().getMessage()).satisfiesAnyOf(
                        m -> assertThat(m).contains("client \"narrow\" already has 2 publishes awaiting the backend")
                                .contains("resilience.client-limits.clients.narrow.max-in-flight"),
                        m -> assertThat(m).contains("an earlier message with ordering key \"limits.bulkhead\""));
            }
            assertThat(refused).anySatisfy(r -> assertThat(r.getError().getMessage())
                    .contains("resilience.client-limits.clients.narrow.max-in-flight"));
            narrow.assertAlive();
            // every permit came back: one message at a time always gets through
            for (int i = 0; i < 10; i++) {
                List<PublishResult> one = narrow.await(narrow.publish(msg("limits.bulkhead", "single"))).getPublishAck().getResultsList();
                assertThat(one.get(0).hasPosition()).as("single publish %s: %s", i, one).isTrue();
            }
        }
    }

    @Test
    void unaryPublishIsLimitedUnderTheClientNameUnary() {
        ManagedChannel channel = NettyChannelBuilder.forTarget(gateway.target()).usePlaintext().build();
        try {
            var stub = GatewayServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
            List<PublishResult> results = stub.publish(PublishRequest.newBuilder()
                    .addAllMessages(List.of(batch("limits.unary", 30))).build()).getResultsList();
            List<PublishResult> refused = refused(results);
            assertThat(refused).isNotEmpty();
            assertThat(refused.get(0).getError().getMessage())
                    .contains("client \"unary\" is limited to 5 msg/s")
                    .contains("resilience.client-limits.clients.unary.publish-rate");
        } finally {
            channel.shutdownNow();
        }
    }
}
