package io.tidegate.gateway.server;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.proto.v1.Ack;
import io.tidegate.proto.v1.ConnectRequest;
import io.tidegate.proto.v1.ConnectResponse;
import io.tidegate.proto.v1.Credit;
import io.tidegate.proto.v1.ExtendAckDeadline;
import io.tidegate.proto.v1.GatewayServiceGrpc;
import io.tidegate.proto.v1.Hello;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.Nack;
import io.tidegate.proto.v1.Ping;
import io.tidegate.proto.v1.Position;
import io.tidegate.proto.v1.PublishBatch;
import io.tidegate.proto.v1.StartPosition;
import io.tidegate.proto.v1.Subscribe;
import io.tidegate.proto.v1.SubscriptionMode;
import io.tidegate.proto.v1.Unsubscribe;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Fuzzes a Connect stream's frame handling over real gRPC against a running gateway (memory
 * backend): arbitrary {@link ConnectRequest} bytes and sequences of frames built from fuzz data
 * (Hello or none, publishes, subscriptions, acks, nacks, credit, extensions, pings, in any
 * order). Each stream must end, after the client half-closes, with OK or a status that says what
 * the client did wrong, never INTERNAL or UNKNOWN (an unhandled exception) and never hang; and
 * after each the gateway still answers a new stream's Hello and Ping. Corpus:
 * {@code ConnectFramesFuzzTestInputs/}; run longer as docs/fuzzing.md says.
 */
class ConnectFramesFuzzTest {

    private static final Set<Status.Code> SERVER_FAULTS = Set.of(Status.Code.INTERNAL, Status.Code.UNKNOWN,
            Status.Code.DATA_LOSS);
    private static EmbeddedGateway gateway;
    private static ManagedChannel channel;

    @BeforeAll
    static void startGateway() {
        gateway = EmbeddedGateway.startOnLoopback("limits.max-payload-bytes=1024", "limits.max-subscriptions-per-stream=4",
                "limits.max-batch-messages=8");
        channel = NettyChannelBuilder.forTarget(gateway.target()).usePlaintext().build();
    }

    @AfterAll
    static void stopGateway() {
        channel.shutdownNow();
        gateway.close();
    }

    @FuzzTest(maxDuration = "5s")
    void everyFrameSequenceEndsWithAStatusThatBlamesTheClientOrNone(FuzzedDataProvider data) throws Exception {
        List<ConnectRequest> frames = new ArrayList<>();
        if (data.consumeInt(0, 9) > 0) {
            frames.add(ConnectRequest.newBuilder().setFrameId(1)
                    .setHello(Hello.newBuilder().setClientName(data.consumeString(20)).setLanguage("fuzz")).build());
        }
        int count = data.consumeInt(0, 12);
        for (int i = 0; i < count && data.remainingBytes() > 0; i++) {
            ConnectRequest frame = data.consumeBoolean() ? raw(data) : built(data);
            if (frame != null) {
                frames.add(frame);
            }
        }
        Status status = exchange(frames);
        if (status == null) {
            throw new AssertionError("the stream did not end within 10 s of the client's half-close: " + frames);
        }
        if (SERVER_FAULTS.contains(status.getCode())) {
            throw new AssertionError("the gateway ended the stream with " + status + " for " + frames, status.getCause());
        }
        requireAlive();
    }

    private static ConnectRequest raw(FuzzedDataProvider data) {
        try {
            return ConnectRequest.parseFrom(data.consumeBytes(data.consumeInt(0, 300)));
        } catch (InvalidProtocolBufferException e) {
            return null;
        }
    }

    private static ConnectRequest built(FuzzedDataProvider data) {
        ConnectRequest.Builder b = ConnectRequest.newBuilder().setFrameId(data.consumeLong(0, 1000));
        String sub = "s" + data.consumeInt(0, 5);
        switch (data.consumeInt(0, 8)) {
            case 0 -> b.setHello(Hello.newBuilder().setClientName(data.consumeString(10)));
            case 1 -> {
                PublishBatch.Builder batch = PublishBatch.newBuilder();
                int n = data.consumeInt(0, 10);
                for (int i = 0; i < n; i++) {
                    batch.addMessages(Message.newBuilder().setTopic(data.consumeString(30)).setId(data.consumeString(8))
                            .setOrderingKey(data.consumeString(6)).setPriorityValue(data.consumeInt(-1, 7))
                            .putHeaders(data.consumeString(8), data.consumeString(8))
                            .setPayload(ByteString.copyFrom(data.consumeBytes(data.consumeInt(0, 1100)))));
                }
                b.setPublish(batch);
            }
            case 2 -> b.setSubscribe(Subscribe.newBuilder().setSubscriptionId(sub).addPatterns(data.consumeString(30))
                    .setModeValue(data.consumeInt(0, 3)).setGroup(data.consumeString(8))
                    .setStart(StartPosition.newBuilder().setKindValue(data.consumeInt(0, 5))
                            .addAfter(position(data)).setTimestampNanos(data.consumeLong()))
                    .setInitialCredit(data.consumeInt()).setAckDeadlineMs(data.consumeInt())
                    .setStrictKeyOrder(data.consumeBoolean()).setConflate(data.consumeBoolean()));
            case 3 -> b.setUnsubscribe(Unsubscribe.newBuilder().setSubscriptionId(sub));
            case 4 -> b.setAck(Ack.newBuilder().setSubscriptionId(sub).addPositions(position(data)));
            case 5 -> b.setNack(Nack.newBuilder().setSubscriptionId(sub).addPositions(position(data))
                    .setDelayMs(data.consumeInt()));
            case 6 -> b.setCredit(Credit.newBuilder().setSubscriptionId(sub).setMessages(data.consumeInt()));
            case 7 -> b.setExtendAckDeadline(ExtendAckDeadline.newBuilder().setSubscriptionId(sub)
                    .addPositions(position(data)));
            default -> b.setPing(Ping.newBuilder());
        }
        return b.build();
    }

    private static Position position(FuzzedDataProvider data) {
        return Position.newBuilder().setTopic(data.consumeString(20)).setEntryId(data.consumeString(24)).build();
    }

    /** Sends the frames, half-closes, and returns how the gateway ended the stream (null: it did not). */
    private static Status exchange(List<ConnectRequest> frames) throws Exception {
        CompletableFuture<Status> ended = new CompletableFuture<>();
        StreamObserver<ConnectRequest> requests = GatewayServiceGrpc.newStub(channel)
                .connect(new StreamObserver<ConnectResponse>() {
                    @Override
                    public void onNext(ConnectResponse value) {
                    }

                    @Override
                    public void onError(Throwable t) {
                        ended.complete(Status.fromThrowable(t));
                    }

                    @Override
                    public void onCompleted() {
                        ended.complete(Status.OK);
                    }
                });
        for (ConnectRequest frame : frames) {
            requests.onNext(frame);
        }
        requests.onCompleted();
        try {
            return ended.get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            return null;
        }
    }

    private static void requireAlive() throws Exception {
        CompletableFuture<ConnectResponse> pong = new CompletableFuture<>();
        StreamObserver<ConnectRequest> requests = GatewayServiceGrpc.newStub(channel)
                .connect(new StreamObserver<ConnectResponse>() {
                    @Override
                    public void onNext(ConnectResponse value) {
                        if (value.hasPong()) {
                            pong.complete(value);
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                        pong.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                        pong.completeExceptionally(new AssertionError("stream ended before the Pong"));
                    }
                });
        requests.onNext(ConnectRequest.newBuilder().setFrameId(1).setHello(Hello.newBuilder().setClientName("probe")).build());
        requests.onNext(ConnectRequest.newBuilder().setFrameId(2).setPing(Ping.newBuilder()).build());
        try {
            pong.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("the gateway no longer answers a Hello and Ping after a fuzzed stream", e);
        } finally {
            requests.onCompleted();
        }
    }
}
