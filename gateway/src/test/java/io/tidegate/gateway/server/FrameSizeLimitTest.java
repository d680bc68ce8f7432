package io.tidegate.gateway.server;

import static io.tidegate.gateway.server.TestMessages.broadcast;
import static io.tidegate.gateway.server.TestMessages.msg;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.proto.v1.ConnectRequest;
import io.tidegate.proto.v1.Delivery;
import io.tidegate.proto.v1.FrameError;
import io.tidegate.proto.v1.GatewayServiceGrpc;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.PublishBatch;
import io.tidegate.proto.v1.PublishRequest;
import io.tidegate.proto.v1.ConnectResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A frame larger than {@code limits.max-frame-bytes}, though every message in it is within the
 * payload and batch limits, is refused with RESOURCE_EXHAUSTED naming the limit; nothing of it is
 * applied and the stream, with its subscriptions, carries on.
 */
class FrameSizeLimitTest {

    private static final int MAX_PAYLOAD = 16 * 1024;
    private static final int MAX_FRAME = 100_000;
    private static final int MAX_INBOUND = 1024 * 1024;

    private static EmbeddedGateway gateway;

    @BeforeAll
    static void startGateway() {
        gateway = EmbeddedGateway.startOnLoopback("limits.max-payload-bytes=" + MAX_PAYLOAD,
                "limits.max-frame-bytes=" + MAX_FRAME, "grpc.max-inbound-message-bytes=" + MAX_INBOUND);
    }

    @AfterAll
    static void stopGateway() {
        gateway.close();
    }

    private static List<Message> fullPayloads(String topic, int count) {
        List<Message> messages = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            messages.add(Message.newBuilder().setTopic(topic).setId(topic + "-" + i)
                    .setPayload(ByteString.copyFrom(new byte[MAX_PAYLOAD])).build());
        }
        return messages;
    }

    @Test
    void welcomeAdvertisesTheFrameLimit() {
        try (FrameClient client = FrameClient.open(gateway.target())) {
            long id = client.send(ConnectRequest.newBuilder().setHello(io.tidegate.proto.v1.Hello.newBuilder().setClientName("t")));
            assertThat(client.await(id).getWelcome().getLimits().getMaxFrameBytes()).isEqualTo(MAX_FRAME);
        }
    }

    @Test
    void frameOverTheLimitIsRefusedNothingOfItAppliedAndTheSubscriptionSurvives() {
        try (FrameClient client = FrameClient.connected(gateway.target())) {
            long sub = client.subscribe(broadcast("s1", "big.frames"));
            assertThat(client.await(sub).hasSubscribed()).isTrue();

            // 10 messages of the largest payload: each legal, 10 within max-batch-messages, ~160 kB together
            List<Message> batch = fullPayloads("big.frames", 10);
            ConnectRequest.Builder frame = ConnectRequest.newBuilder().setPublish(PublishBatch.newBuilder().addAllMessages(batch));
            long id = client.send(frame);
            int size = frame.build().getSerializedSize(); // send() set the frame id on the builder
            assertThat(size).isGreaterThan(MAX_FRAME).isLessThan(MAX_INBOUND);

            ConnectResponse answer = client.await(id);
            assertThat(answer.hasError()).as("expected a FrameError, got %s", answer).isTrue();
            FrameError e = answer.getError();
            assertThat(e.getFrameKind()).isEqualTo("publish");
            assertThat(e.getError().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED.value());
            assertThat(e.getError().getMessage())
                    .contains("limits.max-frame-bytes")
                    .contains(String.valueOf(size))
                    .contains(String.valueOf(MAX_FRAME));

            // the stream and its subscription carry on, and none of the refused messages was stored:
            // the first delivery is the small message published after the refusal
            long small = client.publish(msg("big.frames", "after"));
            assertThat(client.await(small).getPublishAck().getResults(0).hasPosition()).isTrue();
            Delivery first = client.awaitDeliveries("s1", 1).get(0);
            assertThat(first.getMessage().getPayload().toStringUtf8()).isEqualTo("after");

            // the same messages split into frames within the limit all go through
            List<Long> frames = new ArrayList<>();
            for (int i = 0; i < batch.size(); i += 5) {
                frames.add(client.publish(batch.subList(i, i + 5).toArray(Message[]::new)));
            }
            for (long f : frames) {
                assertThat(client.await(f).getPublishAck().getResultsList()).allMatch(r -> r.hasPosition());
            }
            assertThat(client.awaitDeliveries("s1", batch.size())).hasSize(batch.size());
            client.assertAlive();
        }
    }

    /**
     * Beyond the transport limit gRPC resets the stream before the gateway sees the frame: the
     * client gets only CANCELLED (RST_STREAM), which is why the gateway's own limit sits well
     * below it. Other streams are untouched.
     */
    @Test
    void frameOverTheTransportLimitEndsOnlyItsOwnStream() throws InterruptedException {
        try (FrameClient bystander = FrameClient.connected(gateway.target());
             FrameClient client = FrameClient.connected(gateway.target())) {
            List<Message> batch = fullPayloads("huge", 65);
            assertThat(PublishBatch.newBuilder().addAllMessages(batch).build().getSerializedSize()).isGreaterThan(MAX_INBOUND);
            client.publish(batch.toArray(Message[]::new));
            for (int i = 0; i < 1000 && client.error() == null; i++) {
                Thread.sleep(10);
            }
            assertThat(client.error()).as("the stream should have been reset").isNotNull();
            Status status = Status.fromThrowable(client.error());
            assertThat(status.getCode()).isEqualTo(Status.Code.CANCELLED);
            assertThat(status.getDescription()).contains("RST_STREAM");
            bystander.assertAlive();
        }
    }

    @Test
    void unaryPublishOverTheFrameLimitIsRefusedNamingTheLimit() {
        ManagedChannel channel = NettyChannelBuilder.forTarget(gateway.target()).usePlaintext().build();
        try {
            var stub = GatewayServiceGrpc.newBlockingStub(channel);
            PublishRequest big = PublishRequest.newBuilder().addAllMessages(fullPayloads("big.unary", 10)).build();
            assertThatThrownBy(() -> stub.publish(big))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                        assertThat(e.getStatus().getDescription()).contains("limits.max-frame-bytes")
                                .contains(String.valueOf(MAX_FRAME));
                    });
            PublishRequest fits = PublishRequest.newBuilder().addAllMessages(fullPayloads("big.unary", 5)).build();
            assertThat(stub.publish(fits).getResultsList()).hasSize(5).allMatch(r -> r.hasPosition());
        } finally {
            channel.shutdownNow();
        }
    }
}
