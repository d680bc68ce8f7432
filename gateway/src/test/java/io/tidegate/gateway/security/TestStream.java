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
import io.tidegate.proto.v1.Delivery;
import io.tidegate.proto.v1.PublishBatch;
import io.tidegate.proto.v1.Subscribe;
import io.tidegate.proto.v1.SubscriptionMode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** A Connect stream for security tests: says Hello, publishes, subscribes, collects delivered topics and reports how the stream ended. */
final class TestStream implements AutoCloseable {

    private final LinkedBlockingQueue<Object> inbound = new LinkedBlockingQueue<>();
    private final StreamObserver<ConnectRequest> requests;
    private final AtomicLong frameIds = new AtomicLong(1);
    private final List<String> delivered = new ArrayList<>();

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

    /** Subscribes (GROUP when {@code group} is not null); returns the Subscribed frame or the FrameError. */
    ConnectResponse subscribe(String id, String group, String... patterns) throws Exception {
        Subscribe.Builder s = Subscribe.newBuilder().setSubscriptionId(id).addAllPatterns(List.of(patterns))
                .setInitialCredit(1000);
        if (group != null) {
            s.setMode(SubscriptionMode.SUBSCRIPTION_MODE_GROUP).setGroup(group);
        }
        return send(ConnectRequest.newBuilder().setSubscribe(s));
    }

    /** Subscribes BROADCAST by canonical instrument; returns the Subscribed frame or the FrameError. */
    ConnectResponse subscribeInstruments(String id, String dataKind, String... keys) throws Exception {
        return send(ConnectRequest.newBuilder().setSubscribe(Subscribe.newBuilder().setSubscriptionId(id)
                .addAllInstruments(List.of(keys)).setDataKind(dataKind).setInitialCredit(1000)));
    }

    /** Publishes one message as given; returns the PublishAck frame. */
    ConnectResponse publish(Message message) throws Exception {
        return send(ConnectRequest.newBuilder().setPublish(PublishBatch.newBuilder().addMessages(message)));
    }

    /** The topics of every delivery received so far or until one on {@code topic} arrives, in order. */
    List<String> deliveredUntil(String topic) throws Exception {
        while (true) {
            for (String t : delivered) {
                if (t.equals(topic)) {
                    return List.copyOf(delivered);
                }
            }
            Object next = inbound.poll(10, TimeUnit.SECONDS);
            if (next == null) {
                throw new AssertionError("no delivery on " + topic + " in 10 s; got " + delivered);
            }
            if (next instanceof Exception e) {
                throw e;
            }
            note(next);
        }
    }

    /** Waits for the gateway to end this subscription; returns the reason it gave. */
    String awaitUnsubscribed(String id) throws Exception {
        while (true) {
            Object next = inbound.poll(20, TimeUnit.SECONDS);
            if (next == null) {
                throw new AssertionError("subscription " + id + " not ended in 20 s");
            }
            if (next instanceof Exception e) {
                throw e;
            }
            if (next instanceof ConnectResponse r && r.hasUnsubscribed() && r.getUnsubscribed().getSubscriptionId().equals(id)) {
                return r.getUnsubscribed().getReason();
            }
            note(next);
        }
    }

    private void note(Object frame) {
        if (frame instanceof ConnectResponse r && r.hasDeliveries()) {
            for (Delivery d : r.getDeliveries().getDeliveriesList()) {
                delivered.add(d.getMessage().getTopic());
            }
        }
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
            note(next);
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
