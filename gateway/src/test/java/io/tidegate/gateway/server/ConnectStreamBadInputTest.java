package io.tidegate.gateway.server;

import static io.tidegate.gateway.server.TestMessages.broadcast;
import static io.tidegate.gateway.server.TestMessages.group;
import static io.tidegate.gateway.server.TestMessages.msg;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.proto.v1.Ack;
import io.tidegate.proto.v1.ConnectRequest;
import io.tidegate.proto.v1.Credit;
import io.tidegate.proto.v1.FrameError;
import io.tidegate.proto.v1.Hello;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.Position;
import io.tidegate.proto.v1.PublishResult;
import io.tidegate.proto.v1.ConnectResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every kind of bad input gets a status that says what to fix, and neither the stream nor the
 * gateway goes down because of it.
 */
class ConnectStreamBadInputTest {

    private static EmbeddedGateway gateway;
    private FrameClient client;

    @BeforeAll
    static void startGateway() {
        gateway = EmbeddedGateway.startOnLoopback("limits.max-payload-bytes=1024", "limits.max-subscriptions-per-stream=3",
                "limits.max-batch-messages=10");
    }

    @AfterAll
    static void stopGateway() {
        gateway.close();
    }

    @BeforeEach
    void connect() {
        client = FrameClient.connected(gateway.target());
    }

    @AfterEach
    void closeAndCheckGatewaySurvived() {
        client.close();
        try (FrameClient another = FrameClient.connected(gateway.target())) {
            another.assertAlive();
        }
    }

    private FrameError errorFor(long frameId) {
        ConnectResponse f = client.await(frameId);
        assertThat(f.hasError()).as("expected an error, got %s", f).isTrue();
        return f.getError();
    }

    private PublishResult onlyResult(long frameId) {
        ConnectResponse f = client.await(frameId);
        assertThat(f.getPublishAck().getResultsList()).hasSize(1);
        return f.getPublishAck().getResults(0);
    }

    @Test
    void framesBeforeHelloAreRefusedAndTheStreamStaysUsable() {
        try (FrameClient fresh = FrameClient.open(gateway.target())) {
            long id = fresh.publish(msg("a.b", "x"));
            FrameError e = fresh.await(id).getError();
            assertThat(e.getFrameKind()).isEqualTo("publish");
            assertThat(e.getError().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION.value());
            assertThat(e.getError().getMessage()).contains("first frame on a stream must be Hello");

            long hello = fresh.send(ConnectRequest.newBuilder().setHello(Hello.newBuilder().setClientName("late")));
            assertThat(fresh.await(hello).hasWelcome()).isTrue();
            assertThat(fresh.await(fresh.publish(msg("a.b", "x"))).getPublishAck().getResults(0).hasPosition()).isTrue();
        }
    }

    @Test
    void secondHelloIsRefused() {
        long id = client.send(ConnectRequest.newBuilder().setHello(Hello.newBuilder().setClientName("again")));
        assertThat(errorFor(id).getError().getMessage()).contains("Hello was already sent");
        client.assertAlive();
    }

    @Test
    void emptyTopicIsRejectedPerMessage() {
        PublishResult r = onlyResult(client.publish(msg("", "x")));
        assertThat(r.getError().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT.value());
        assertThat(r.getError().getMessage()).contains("topic is empty");
        client.assertAlive();
    }

    @Test
    void malformedTopicNamesTheProblem() {
        assertThat(onlyResult(client.publish(msg("a..b", "x"))).getError().getMessage())
                .isEqualTo("topic \"a..b\" has an empty segment");
        assertThat(onlyResult(client.publish(msg("data.quotes.*", "x"))).getError().getMessage())
                .contains("wildcards belong in subscription patterns");
        assertThat(onlyResult(client.publish(msg("data quotes", "x"))).getError().getMessage())
                .contains("has the character ' '");
    }

    @Test
    void overLongTopicSaysTheLimit() {
        PublishResult r = onlyResult(client.publish(msg("t." + "x".repeat(300), "x")));
        assertThat(r.getError().getMessage()).contains("the limit is 255");
    }

    @Test
    void invalidPatternIsRefusedWithAHint() {
        FrameError e = errorFor(client.subscribe(broadcast("s1", "data.>.quotes")));
        assertThat(e.getFrameKind()).isEqualTo("subscribe");
        assertThat(e.getSubscriptionId()).isEqualTo("s1");
        assertThat(e.getError().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT.value());
        assertThat(e.getError().getMessage()).contains("must be the last segment");
        // the id is still free after a refused subscribe
        assertThat(client.await(client.subscribe(broadcast("s1", "data.>"))).hasSubscribed()).isTrue();
    }

    @Test
    void payloadOverTheLimitIsRejectedAndTheRestOfTheBatchIsAccepted() {
        Message big = Message.newBuilder().setTopic("a.b").setPayload(ByteString.copyFrom(new byte[2048])).build();
        ConnectResponse f = client.await(client.publish(msg("a.b", "before"), big, msg("a.b", "after")));
        List<PublishResult> results = f.getPublishAck().getResultsList();
        assertThat(results).hasSize(3);
        assertThat(results.get(0).hasPosition()).isTrue();
        assertThat(results.get(1).getIndex()).isEqualTo(1);
        assertThat(results.get(1).getError().getMessage()).contains("payload is 2048 bytes; the limit is 1024");
        assertThat(results.get(2).hasPosition()).isTrue();
    }

    @Test
    void unknownPriorityIsRejected() {
        Message m = msg("a.b", "x").toBuilder().setPriorityValue(42).build();
        assertThat(onlyResult(client.publish(m)).getError().getMessage())
                .contains("priority 42 is unknown").contains("PRIORITY_CRITICAL(1)");
    }

    @Test
    void oversizedBatchIsRefusedAsAWhole() {
        List<Message> many = new ArrayList<>();
        for (int i = 0; i < 11; i++) {
            many.add(msg("a.b", "m" + i));
        }
        FrameError e = errorFor(client.publish(many.toArray(Message[]::new)));
        assertThat(e.getError().getMessage()).contains("batch of 11 messages exceeds the limit of 10");
        client.assertAlive();
    }

    @Test
    void ackOfUnknownPositionIsNotFound() {
        client.await(client.subscribe(group("g1", "workers", "jobs.>")));
        long id = client.send(ConnectRequest.newBuilder().setAck(Ack.newBuilder().setSubscriptionId("g1")
                .addPositions(Position.newBuilder().setTopic("jobs.x").setEntryId("123-0"))));
        FrameError e = errorFor(id);
        assertThat(e.getError().getCode()).isEqualTo(Status.Code.NOT_FOUND.value());
        assertThat(e.getError().getMessage()).contains("jobs.x@123-0").contains("are not out on subscription g1");
    }

    @Test
    void ackWithMalformedPositionSaysTheForm() {
        client.await(client.subscribe(group("g1", "workers", "jobs.>")));
        long id = client.send(ConnectRequest.newBuilder().setAck(Ack.newBuilder().setSubscriptionId("g1")
                .addPositions(Position.newBuilder().setTopic("jobs.x").setEntryId("nonsense"))));
        assertThat(errorFor(id).getError().getMessage()).contains("<millis>-<seq>");
    }

    @Test
    void ackOnBroadcastSubscriptionIsAFailedPrecondition() {
        client.await(client.subscribe(broadcast("b1", "x.>")));
        long id = client.send(ConnectRequest.newBuilder().setAck(Ack.newBuilder().setSubscriptionId("b1")
                .addPositions(Position.newBuilder().setTopic("x.y").setEntryId("1-0"))));
        assertThat(errorFor(id).getError().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION.value());
    }

    @Test
    void zeroOrNegativeCreditIsRefused() {
        client.await(client.subscribe(broadcast("s1", "x.>")));
        for (int credit : new int[] {0, -5}) {
            long id = client.send(ConnectRequest.newBuilder().setCredit(Credit.newBuilder().setSubscriptionId("s1").setMessages(credit)));
            assertThat(errorFor(id).getError().getMessage()).contains("credit must be a positive number of messages, got " + credit);
        }
        FrameError e = errorFor(client.subscribe(broadcast("s2", "x.>").setInitialCredit(-1)));
        assertThat(e.getError().getMessage()).contains("initial_credit -1");
    }

    @Test
    void creditForUnknownSubscriptionIsNotFound() {
        long id = client.send(ConnectRequest.newBuilder().setCredit(Credit.newBuilder().setSubscriptionId("nope").setMessages(5)));
        assertThat(errorFor(id).getError().getCode()).isEqualTo(Status.Code.NOT_FOUND.value());
    }

    @Test
    void duplicateSubscriptionIdIsRefused() {
        assertThat(client.await(client.subscribe(broadcast("dup", "x.>"))).hasSubscribed()).isTrue();
        FrameError e = errorFor(client.subscribe(broadcast("dup", "y.>")));
        assertThat(e.getError().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS.value());
        assertThat(e.getError().getMessage()).contains("already in use");
    }

    @Test
    void tooManySubscriptionsPerStreamIsResourceExhausted() {
        for (int i = 0; i < 3; i++) {
            assertThat(client.await(client.subscribe(broadcast("s" + i, "x.>"))).hasSubscribed()).isTrue();
        }
        FrameError e = errorFor(client.subscribe(broadcast("s3", "x.>")));
        assertThat(e.getError().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED.value());
        assertThat(e.getError().getMessage()).contains("limits.max-subscriptions-per-stream");
    }

    @Test
    void groupWithoutNameAndBroadcastWithGroupAreRefused() {
        assertThat(errorFor(client.subscribe(group("g", "", "x.>"))).getError().getMessage())
                .contains("GROUP subscriptions need a group name");
        assertThat(errorFor(client.subscribe(broadcast("b", "x.>").setGroup("workers"))).getError().getMessage())
                .contains("set mode GROUP");
    }

    @Test
    void conflatedGroupIsRefusedSayingWhy() {
        FrameError e = errorFor(client.subscribe(group("g", "workers", "x.>").setConflate(true)));
        assertThat(e.getError().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT.value());
        assertThat(e.getError().getMessage()).contains("conflate is for BROADCAST", "would lose work");
        assertThat(client.await(client.subscribe(broadcast("b", "x.>").setConflate(true))).hasSubscribed()).isTrue();
    }

    @Test
    void emptyFrameIsRefused() {
        long id = client.send(ConnectRequest.newBuilder());
        assertThat(errorFor(id).getError().getMessage()).contains("no known kind");
        client.assertAlive();
    }

    @Test
    void clientVanishingMidBatchLeavesTheGatewayServing() throws Exception {
        FrameClient doomed = FrameClient.connected(gateway.target());
        for (int i = 0; i < 50; i++) {
            doomed.publish(msg("vanish.test", "m" + i), msg("vanish.test", "n" + i));
        }
        doomed.vanish();
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .until(() -> gateway.sessionCount() == 1);
        // the gateway still publishes and delivers for others
        client.await(client.subscribe(broadcast("after", "vanish.test")));
        client.await(client.publish(msg("vanish.test", "still here")));
        assertThat(client.awaitDeliveries("after", 1).get(0).getMessage().getPayload().toStringUtf8()).isEqualTo("still here");
    }
}
