package io.tidegate.gateway.security;

import com.google.protobuf.ByteString;
import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.tidegate.proto.v1.ConnectRequest;
import io.tidegate.proto.v1.ConnectResponse;
import io.tidegate.proto.v1.GatewayServiceGrpc;
import io.tidegate.proto.v1.Hello;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.PublishBatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** A Connect stream for security tests: says Hello, publishes, and reports how the stream ended. */
final class TestStream implements AutoCloseable {

    private final LinkedBlockingQueue<Object> inbound = new LinkedBlockingQueue<>();
    private final StreamObserver<ConnectRequest> requests;
    private final AtomicLong frameIds = new AtomicLong(1);

    private TestStream(ManagedChannel channel, ClientInterceptor auth) {
        var stub = GatewayServiceGrpc.newStub(channel);
        if (auth != null) {
            stub = stub.withInterceptors(auth);
        }
        requests = stub.connect(new StreamObserver<>() {
            @Override
            public void onNext(ConnectResponse value) {
                inbound.add(value);
            }

            @Override
            public void onError(Throwable t) {
                inbound.add(t);
            }

            @Override
            public void onCompleted() {
                inbound.add("completed");
            }
        });
    }

    /** @param auth attaches credentials, or null */
    static TestStream open(ManagedChannel channel, ClientInterceptor auth) {
        return new TestStream(channel, auth);
    }

    /** Sends Hello; returns the Welcome, or throws what ended the stream. */
    ConnectResponse hello(String clientName) throws Exception {
        return send(ConnectRequest.newBuilder().setHello(Hello.newBuilder().setClientName(clientName).setLanguage("java")));
    }

    /** Publishes these topics in one batch; returns the PublishAck frame. */
    ConnectResponse publish(String... topics) throws Exception {
        PublishBatch.Builder batch = PublishBatch.newBuilder();
        for (String t : topics) {
            batch.addMessages(Message.newBuilder().setTopic(t).setPayload(ByteString.copyFromUtf8("x")));
        }
        return send(ConnectRequest.newBuilder().setPublish(batch));
    }

    private ConnectResponse send(ConnectRequest.Builder frame) throws Exception {
        long id = frameIds.getAndIncrement();
        requests.onNext(frame.setFrameId(id).build());
        while (true) {
            Object next = inbound.poll(10, TimeUnit.SECONDS);
            if (next == null) {
                throw new AssertionError("no answer to frame " + id + " in 10 s");
            }
            if (next instanceof Exception e) {
                throw e;
            }
            if (next instanceof ConnectResponse r && r.getFrameId() == id) {
                return r;
            }
        }
    }

    @Override
    public void close() {
        try {
            requests.onCompleted();
        } catch (RuntimeException e) {
            // already ended
        }
    }
}
