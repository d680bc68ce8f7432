package io.tidegate.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.tidegate.proto.v1.ConnectRequest;
import io.tidegate.proto.v1.GatewayServiceGrpc;
import io.tidegate.proto.v1.Hello;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.Ping;
import io.tidegate.proto.v1.PublishBatch;
import io.tidegate.proto.v1.ConnectResponse;
import io.tidegate.proto.v1.Subscribe;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * A raw Connect stream for tests: sends frames as written, collects every server frame, and
 * optionally holds back reading (manual inbound flow control) to play a slow client.
 */
final class FrameClient implements AutoCloseable {

    private final ManagedChannel channel;
    private final LinkedBlockingQueue<ConnectResponse> frames = new LinkedBlockingQueue<>();
    private final AtomicLong nextFrameId = new AtomicLong(1);
    private final ClientCallStreamObserver<ConnectRequest> requests;
    private volatile Throwable error;
    private volatile boolean completed;

    private FrameClient(String target, boolean manualFlowControl) {
        channel = NettyChannelBuilder.forTarget(target).usePlaintext().build();
        var holder = new ClientCallStreamObserver[1];
        GatewayServiceGrpc.newStub(channel).connect(new ClientResponseObserver<ConnectRequest, ConnectResponse>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<ConnectRequest> requestStream) {
                holder[0] = requestStream;
                if (manualFlowControl) {
                    requestStream.disableAutoRequestWithInitial(0);
                }
            }

            @Override
            public void onNext(ConnectResponse value) {
                synchronized (frames) {
                    frames.add(value);
                }
            }

            @Override
            public void onError(Throwable t) {
                error = t;
            }

            @Override
            public void onCompleted() {
                completed = true;
            }
        });
        @SuppressWarnings("unchecked")
        ClientCallStreamObserver<ConnectRequest> r = holder[0];
        requests = r;
    }

    /** Opens a stream without saying Hello. */
    static FrameClient open(String target) {
        return new FrameClient(target, false);
    }

    /** Opens a stream that reads server frames only when {@link #read} asks for them. */
    static FrameClient openSlow(String target) {
        return new FrameClient(target, true);
    }

    /** Opens a stream and completes the Hello/Welcome exchange. */
    static FrameClient connected(String target) {
        return connected(target, "test");
    }

    /** Opens a stream and says Hello as the named client. */
    static FrameClient connected(String target, String clientName) {
        FrameClient c = open(target);
        long id = c.send(ConnectRequest.newBuilder().setHello(Hello.newBuilder().setClientName(clientName).setLanguage("java")));
        c.await(id).getWelcome();
        return c;
    }

    long send(ConnectRequest.Builder frame) {
        long id = nextFrameId.getAndIncrement();
        synchronized (requests) {
            requests.onNext(frame.setFrameId(id).build());
        }
        return id;
    }

    long publish(Message... messages) {
        return send(ConnectRequest.newBuilder().setPublish(PublishBatch.newBuilder().addAllMessages(List.of(messages))));
    }

    long subscribe(Subscribe.Builder subscribe) {
        return send(ConnectRequest.newBuilder().setSubscribe(subscribe));
    }

    /** Lets the gateway send {@code n} more frames (slow clients only). */
    void read(int n) {
        requests.request(n);
    }

    /** The next frame answering {@code frameId}; other frames stay queued. */
    ConnectResponse await(long frameId) {
        return await(f -> f.getFrameId() == frameId, "an answer to frame " + frameId);
    }

    /** Waits for a frame matching the predicate, removing it; fails after 10 s. */
    ConnectResponse await(Predicate<ConnectResponse> matching, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<ConnectResponse> skipped = new ArrayList<>();
        try {
            while (System.nanoTime() < deadline) {
                ConnectResponse f = frames.poll(50, TimeUnit.MILLISECONDS);
                if (f == null) {
                    continue;
                }
                if (matching.test(f)) {
                    return f;
                }
                skipped.add(f);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            // put back what we skipped, in order, ahead of later arrivals; arrivals wait meanwhile,
            // or one could slip in ahead of older frames
            if (!skipped.isEmpty()) {
                synchronized (frames) {
                    List<ConnectResponse> rest = new ArrayList<>();
                    frames.drainTo(rest);
                    frames.addAll(skipped);
                    frames.addAll(rest);
                }
            }
        }
        throw new AssertionError("no frame with " + what + " within 10 s; got " + skipped + (error != null ? "; stream error " + error : ""));
    }

    /** Collects delivered messages of a subscription until {@code count} arrived. */
    List<io.tidegate.proto.v1.Delivery> awaitDeliveries(String subscriptionId, int count) {
        List<io.tidegate.proto.v1.Delivery> got = new ArrayList<>();
        while (got.size() < count) {
            ConnectResponse f = await(fr -> fr.hasDeliveries() && fr.getDeliveries().getSubscriptionId().equals(subscriptionId),
                    "deliveries on " + subscriptionId + " (have " + got.size() + " of " + count + ")");
            got.addAll(f.getDeliveries().getDeliveriesList());
        }
        return got;
    }

    /** Removes and returns every frame received so far. */
    List<ConnectResponse> drainFrames() {
        List<ConnectResponse> all = new ArrayList<>();
        frames.drainTo(all);
        return all;
    }

    /** Takes whatever deliveries of the subscription arrived so far, waiting at most {@code millis} for the first. */
    List<io.tidegate.proto.v1.Delivery> pollDeliveries(String subscriptionId, long millis) throws InterruptedException {
        List<io.tidegate.proto.v1.Delivery> got = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        do {
            for (var it = frames.iterator(); it.hasNext(); ) {
                ConnectResponse f = it.next();
                if (f.hasDeliveries() && f.getDeliveries().getSubscriptionId().equals(subscriptionId)) {
                    got.addAll(f.getDeliveries().getDeliveriesList());
                    it.remove();
                }
            }
            if (!got.isEmpty()) {
                return got;
            }
            Thread.sleep(5);
        } while (System.nanoTime() < deadline);
        return got;
    }

    /** Asserts that no delivery arrives for the subscription within the given time. */
    void assertNoDeliveryWithin(String subscriptionId, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (System.nanoTime() < deadline) {
            for (ConnectResponse f : frames) {
                assertThat(f.hasDeliveries() && f.getDeliveries().getSubscriptionId().equals(subscriptionId))
                        .as("unexpected delivery %s", f).isFalse();
            }
            Thread.sleep(20);
        }
    }

    /** Proves the stream still answers. */
    void assertAlive() {
        long id = send(ConnectRequest.newBuilder().setPing(Ping.newBuilder().setNonce(42)));
        assertThat(await(id).getPong().getNonce()).isEqualTo(42);
    }

    Throwable error() {
        return error;
    }

    boolean completed() {
        return completed;
    }

    /** Resets the stream (RST_STREAM), as a client cancelling its call does. */
    void cancel() {
        synchronized (requests) {
            requests.cancel("cancelled by test", null);
        }
    }

    /** Drops the connection without closing the stream, as a crashed client would. */
    void vanish() {
        channel.shutdownNow();
    }

    @Override
    public void close() {
        try {
            synchronized (requests) {
                requests.onCompleted();
            }
        } catch (RuntimeException e) {
            // already closed
        }
        channel.shutdownNow();
    }
}
