package io.tidegate.sdk;

import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.tidegate.proto.v1.ConnectRequest;
import io.tidegate.proto.v1.Delivery;
import io.tidegate.proto.v1.DeliveryBatch;
import io.tidegate.proto.v1.Error;
import io.tidegate.proto.v1.GatewayServiceGrpc;
import io.tidegate.proto.v1.GoAway;
import io.tidegate.proto.v1.Limits;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.Pong;
import io.tidegate.proto.v1.Position;
import io.tidegate.proto.v1.PublishAck;
import io.tidegate.proto.v1.PublishResult;
import io.tidegate.proto.v1.ConnectResponse;
import io.tidegate.proto.v1.Subscribe;
import io.tidegate.proto.v1.Subscribed;
import io.tidegate.proto.v1.Welcome;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A scripted stand-in for the gateway, speaking the Connect protocol over a real socket, for
 * SDK tests that need to see exact frames or make the server misbehave (stop answering, reject a
 * message, go away). Broadcast only, exact-topic or "prefix.&gt;" patterns, LATEST start.
 * Thread-safe (one lock).
 */
final class FakeGateway implements AutoCloseable {

    final List<ConnectRequest> received = new CopyOnWriteArrayList<>();
    volatile boolean answerPings = true;
    volatile boolean answerPublishes = true;
    /** Messages whose topic equals this are rejected with INVALID_ARGUMENT. */
    volatile String rejectTopic = "bad..topic";
    final AtomicInteger sessions = new AtomicInteger();

    private final Object lock = new Object();
    private final List<Session> live = new ArrayList<>();
    private final Map<String, Position> byId = new HashMap<>();
    private long seq;
    private final Server server;

    FakeGateway(int port) throws IOException {
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
                .addService(new GatewayServiceGrpc.GatewayServiceImplBase() {
                    @Override
                    public StreamObserver<ConnectRequest> connect(StreamObserver<ConnectResponse> out) {
                        return new Session((ServerCallStreamObserver<ConnectResponse>) out);
                    }
                }).build().start();
    }

    int port() {
        return server.getPort();
    }

    String target() {
        return "127.0.0.1:" + port();
    }

    List<Subscribe> subscribes() {
        return received.stream().filter(ConnectRequest::hasSubscribe).map(ConnectRequest::getSubscribe).toList();
    }

    List<Message> publishedMessages() {
        return received.stream().filter(ConnectRequest::hasPublish).flatMap(f -> f.getPublish().getMessagesList().stream()).toList();
    }

    /** Sends GoAway on every stream, then ends them. */
    void goAwayAll() {
        for (Session s : sessions()) {
            s.send(ConnectResponse.newBuilder().setGoAway(GoAway.newBuilder().setReason("draining")).build());
            s.end();
        }
    }

    /** Fails every stream with UNAVAILABLE. */
    void dropAll() {
        for (Session s : sessions()) {
            s.fail();
        }
    }

    private List<Session> sessions() {
        synchronized (lock) {
            return new ArrayList<>(live);
        }
    }

    @Override
    public void close() {
        server.shutdownNow();
    }

    private final class Session implements StreamObserver<ConnectRequest> {
        final ServerCallStreamObserver<ConnectResponse> out;
        final Map<String, Sub> subs = new HashMap<>();
        boolean hello;
        boolean done;

        Session(ServerCallStreamObserver<ConnectResponse> out) {
            this.out = out;
            synchronized (lock) {
                live.add(this);
            }
        }

        void send(ConnectResponse f) {
            synchronized (lock) {
                if (!done) {
                    out.onNext(f);
                }
            }
        }

        void end() {
            synchronized (lock) {
                if (!done) {
                    done = true;
                    live.remove(this);
                    out.onCompleted();
                }
            }
        }

        void fail() {
            synchronized (lock) {
                if (!done) {
                    done = true;
                    live.remove(this);
                    out.onError(Status.UNAVAILABLE.withDescription("dropped by test").asRuntimeException());
                }
            }
        }

        @Override
        public void onNext(ConnectRequest f) {
            received.add(f);
            synchronized (lock) {
                if (done) {
                    return;
                }
                ConnectResponse.Builder r = ConnectResponse.newBuilder().setFrameId(f.getFrameId());
                switch (f.getKindCase()) {
                    case HELLO -> {
                        hello = true;
                        sessions.incrementAndGet();
                        out.onNext(r.setWelcome(Welcome.newBuilder().setSessionId("s" + sessions.get()).setGatewayId("fake")
                                .setLimits(Limits.newBuilder().setMaxBatchMessages(1000))).build());
                    }
                    case PUBLISH -> {
                        if (!answerPublishes) {
                            return;
                        }
                        PublishAck.Builder ack = PublishAck.newBuilder();
                        int i = 0;
                        for (Message m : f.getPublish().getMessagesList()) {
                            PublishResult.Builder pr = PublishResult.newBuilder().setIndex(i++).setMessageId(m.getId());
                            if (m.getTopic().equals(rejectTopic)) {
                                pr.setError(Error.newBuilder().setCode(Status.Code.INVALID_ARGUMENT.value())
                                        .setMessage("topic \"" + m.getTopic() + "\" has an empty segment"));
                            } else if (byId.containsKey(m.getId())) {
                                pr.setPosition(byId.get(m.getId())).setDuplicate(true);
                            } else {
                                Position p = Position.newBuilder().setTopic(m.getTopic()).setEntryId("1-" + (++seq)).build();
                                byId.put(m.getId(), p);
                                pr.setPosition(p);
                                for (Session s : live) {
                                    s.fanOut(m, p);
                                }
                            }
                            ack.addResults(pr);
                        }
                        out.onNext(r.setPublishAck(ack).build());
                    }
                    case SUBSCRIBE -> {
                        Subscribe s = f.getSubscribe();
                        subs.put(s.getSubscriptionId(), new Sub(s));
                        out.onNext(r.setSubscribed(Subscribed.newBuilder().setSubscriptionId(s.getSubscriptionId())
                                .setCredit(s.getInitialCredit())).build());
                    }
                    case CREDIT -> {
                        Sub s = subs.get(f.getCredit().getSubscriptionId());
                        s.credit += f.getCredit().getMessages();
                        s.pump();
                    }
                    case PING -> {
                        if (answerPings) {
                            out.onNext(r.setPong(Pong.newBuilder().setNonce(f.getPing().getNonce())).build());
                        }
                    }
                    default -> { }
                }
            }
        }

        void fanOut(Message m, Position p) {
            for (Sub s : subs.values()) {
                if (s.matches(m.getTopic())) {
                    s.backlog.add(Delivery.newBuilder().setMessage(m).setPosition(p).setDeliveryCount(1).setTsAccepted(1).build());
                    s.pump();
                }
            }
        }

        @Override
        public void onError(Throwable t) {
            synchronized (lock) {
                done = true;
                live.remove(this);
            }
        }

        @Override
        public void onCompleted() {
            end();
        }

        private final class Sub {
            final Subscribe spec;
            int credit;
            final List<Delivery> backlog = new ArrayList<>();

            Sub(Subscribe spec) {
                this.spec = spec;
                this.credit = spec.getInitialCredit();
            }

            boolean matches(String topic) {
                for (String p : spec.getPatternsList()) {
                    if (p.equals(topic) || (p.endsWith(".>") && topic.startsWith(p.substring(0, p.length() - 1)))) {
                        return true;
                    }
                }
                return false;
            }

            void pump() {
                DeliveryBatch.Builder b = DeliveryBatch.newBuilder().setSubscriptionId(spec.getSubscriptionId());
                while (credit > 0 && !backlog.isEmpty()) {
                    b.addDeliveries(backlog.remove(0));
                    credit--;
                }
                if (b.getDeliveriesCount() > 0 && !done) {
                    out.onNext(ConnectResponse.newBuilder().setDeliveries(b).build());
                }
            }
        }
    }
}
