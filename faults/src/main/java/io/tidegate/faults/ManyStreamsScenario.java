package io.tidegate.faults;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.tidegate.proto.v1.ConnectRequest;
import io.tidegate.proto.v1.GatewayServiceGrpc;
import io.tidegate.proto.v1.Hello;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.PublishBatch;
import io.tidegate.proto.v1.ConnectResponse;
import io.tidegate.proto.v1.Subscribe;
import io.tidegate.proto.v1.SubscriptionMode;
import io.tidegate.testkit.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fault 5: 10,000 concurrent Connect streams on one gateway over loopback, from this JVM over
 * a few HTTP/2 connections (channels). Each stream says Hello, gets Welcome, subscribes
 * (BROADCAST) to one topic; then one message is published and every stream must receive it.
 * Runs on the memory backend ({@link #ManyStreamsScenario()}), or on a redis-server started for
 * it ({@link #onRedis}), where the gateway's shared readers serve every subscription: then it
 * also samples the server's {@code connected_clients} throughout and reports the most seen.
 * Reports the time to open and to fan out, the gateway's heap, RSS and CPU. Passes when every
 * stream was welcomed, subscribed and got the message.
 */
final class ManyStreamsScenario implements Scenario {

    private static final String TOPIC = "fault.many.all";
    /** Sampling period of the Redis server's client count. */
    private static final long CLIENTS_EVERY_MILLIS = 200;

    /** Null on the memory backend; else {@code backend.redis.shared-readers}. */
    private final Integer sharedReaders;
    /** Streams on Redis (the memory run picks its own: 1,000 quick, 10,000 full). */
    private final int redisStreams;

    /** On the memory backend. */
    ManyStreamsScenario() {
        this.sharedReaders = null;
        this.redisStreams = 0;
    }

    private ManyStreamsScenario(int sharedReaders, int streams) {
        this.sharedReaders = sharedReaders;
        this.redisStreams = streams;
    }

    /** On Redis with {@code sharedReaders} shared readers (0: a connection per subscription), always {@code streams} streams. */
    static ManyStreamsScenario onRedis(int sharedReaders, int streams) {
        return new ManyStreamsScenario(sharedReaders, streams);
    }

    @Override
    public String name() {
        if (sharedReaders == null) {
            return "many-streams";
        }
        return sharedReaders > 0 ? "many-streams-redis" : "many-streams-redis-own-readers";
    }

    @Override
    public Report run(Settings s) throws Exception {
        if (sharedReaders == null) {
            return run(s, s.pick(1_000, 10_000), null);
        }
        try (RedisServer redis = RedisServer.start()) {
            return run(s, redisStreams, redis);
        }
    }

    private Report run(Settings s, int streams, RedisServer redis) throws Exception {
        int channelCount = s.pick(4, 20);
        Report report = new Report(name()).put("streams", streams).put("channels", channelCount)
                .put("backend", redis == null ? "memory" : "redis");
        List<String> flags = new ArrayList<>();
        if (redis == null) {
            flags.add("--backend.type=memory");
        } else {
            flags.addAll(List.of("--backend.type=redis", "--backend.redis.uri=" + redis.uri(),
                    "--backend.redis.shared-readers=" + sharedReaders,
                    "--resilience.spool.dir=" + s.workDir().resolve("spool-many")));
            report.put("redis.shared.readers", sharedReaders);
        }
        AtomicLong mostClients = new AtomicLong();
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        if (redis != null) {
            sampler.scheduleWithFixedDelay(() -> mostClients.accumulateAndGet(connectedClients(redis), Math::max),
                    0, CLIENTS_EVERY_MILLIS, TimeUnit.MILLISECONDS);
        }
        AtomicInteger welcomed = new AtomicInteger();
        AtomicInteger subscribed = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        CountDownLatch allSubscribed = new CountDownLatch(streams);
        CountDownLatch allDelivered = new CountDownLatch(streams);
        Semaphore opening = new Semaphore(500);
        List<ManagedChannel> channels = new ArrayList<>();
        List<Probe> probes = new ArrayList<>();
        try (GatewayReplica gw = GatewayReplica.start("many-gw", s.workDir(), List.of("-Xmx2g", "-XX:+UseZGC"),
                flags.toArray(String[]::new))) {
            for (int i = 0; i < channelCount; i++) {
                channels.add(NettyChannelBuilder.forTarget(gw.target()).usePlaintext().build());
            }
            Duration cpu0 = gw.cpuTime();
            long t0 = System.nanoTime();
            for (int i = 0; i < streams; i++) {
                opening.acquire();
                Probe probe = new Probe(welcomed, subscribed, errors, opening, allSubscribed, allDelivered);
                probe.open(GatewayServiceGrpc.newStub(channels.get(i % channelCount)), "many-" + i);
                probes.add(probe);
            }
            boolean open = allSubscribed.await(300, TimeUnit.SECONDS);
            long openedNanos = System.nanoTime() - t0;
            Duration cpuOpen = gw.cpuTime().minus(cpu0);
            report.put("welcomed", welcomed.get()).put("subscribed", subscribed.get())
                    .put("open.all.s", String.format("%.1f", openedNanos / 1e9))
                    .put("gateway.cpu.open.s", String.format("%.1f", cpuOpen.toMillis() / 1e3))
                    .put("heap.open.used.mib", gw.heapUsedMiB());

            long t1 = System.nanoTime();
            Duration cpu1 = gw.cpuTime();
            probes.get(0).send(ConnectRequest.newBuilder().setFrameId(3).setPublish(PublishBatch.newBuilder()
                    .addMessages(Message.newBuilder().setTopic(TOPIC).setId("hello-all")
                            .setPayload(ByteString.copyFromUtf8("to every stream")))).build());
            boolean fannedOut = allDelivered.await(120, TimeUnit.SECONDS);
            long delivered = streams - allDelivered.getCount();
            report.put("delivered", delivered)
                    .put("fanout.all.ms", (System.nanoTime() - t1) / 1_000_000)
                    .put("gateway.cpu.fanout.ms", gw.cpuTime().minus(cpu1).toMillis())
                    .put("gateway.cpu.total.s", String.format("%.1f", gw.cpuTime().toMillis() / 1e3))
                    .put("heap.used.mib", gw.heapUsedMiB())
                    .put("heap.live.mib", gw.heapLiveMiB())
                    .put("rss.mib", gw.rssMiB())
                    .put("stream.errors", errors.get())
                    .check(open && welcomed.get() == streams, "every stream welcomed")
                    .check(subscribed.get() == streams, "every stream subscribed")
                    .check(fannedOut, "every stream got the published message")
                    .check(errors.get() == 0, "no stream errors");
            if (redis != null) {
                long now = connectedClients(redis);
                mostClients.accumulateAndGet(now, Math::max);
                // the count includes the sampler's own short-lived connection
                report.put("redis.clients.now", now).put("redis.clients.most", mostClients.get());
                if (sharedReaders > 0) {
                    report.check(mostClients.get() <= 64, "at most 64 Redis connections throughout");
                }
            }
        } finally {
            sampler.shutdownNow();
            probes.forEach(Probe::close);
            channels.forEach(ManagedChannel::shutdownNow);
        }
        return report;
    }

    /** {@code connected_clients} of INFO clients; -1 when the server did not answer. */
    private static long connectedClients(RedisServer redis) {
        try {
            for (String line : redis.commandText("INFO clients").split("\r?\n")) {
                if (line.startsWith("connected_clients:")) {
                    return Long.parseLong(line.substring("connected_clients:".length()).trim());
                }
            }
        } catch (RuntimeException e) {
            // sampled again shortly
        }
        return -1;
    }

    /** One Connect stream: Hello, then Subscribe on Welcome; counts what it gets. */
    private static final class Probe implements StreamObserver<ConnectResponse> {
        private final AtomicInteger welcomed;
        private final AtomicInteger subscribed;
        private final AtomicInteger errors;
        private final Semaphore opening;
        private final CountDownLatch allSubscribed;
        private final CountDownLatch allDelivered;
        private final AtomicBoolean delivered = new AtomicBoolean();
        private StreamObserver<ConnectRequest> requests;

        Probe(AtomicInteger welcomed, AtomicInteger subscribed, AtomicInteger errors, Semaphore opening,
              CountDownLatch allSubscribed, CountDownLatch allDelivered) {
            this.welcomed = welcomed;
            this.subscribed = subscribed;
            this.errors = errors;
            this.opening = opening;
            this.allSubscribed = allSubscribed;
            this.allDelivered = allDelivered;
        }

        synchronized void open(GatewayServiceGrpc.GatewayServiceStub stub, String clientName) {
            requests = stub.connect(this);
            requests.onNext(ConnectRequest.newBuilder().setFrameId(1)
                    .setHello(Hello.newBuilder().setClientName(clientName).setLanguage("java")).build());
        }

        /** gRPC request observers are not thread-safe. */
        synchronized void send(ConnectRequest frame) {
            requests.onNext(frame);
        }

        synchronized void close() {
            try {
                requests.onCompleted();
            } catch (RuntimeException ignored) {
                // the stream or the gateway is gone already
            }
        }

        @Override
        public void onNext(ConnectResponse f) {
            switch (f.getKindCase()) {
                case WELCOME -> {
                    welcomed.incrementAndGet();
                    send(ConnectRequest.newBuilder().setFrameId(2).setSubscribe(Subscribe.newBuilder()
                            .setSubscriptionId("s").addPatterns(TOPIC).setMode(SubscriptionMode.SUBSCRIPTION_MODE_BROADCAST)
                            .setInitialCredit(10)).build());
                }
                case SUBSCRIBED -> {
                    subscribed.incrementAndGet();
                    opening.release();
                    allSubscribed.countDown();
                }
                case DELIVERIES -> {
                    if (delivered.compareAndSet(false, true)) {
                        allDelivered.countDown();
                    }
                }
                case ERROR -> errors.incrementAndGet();
                default -> {
                    // pongs and the like
                }
            }
        }

        @Override
        public void onError(Throwable t) {
            errors.incrementAndGet();
            opening.release();
        }

        @Override
        public void onCompleted() {
            // the gateway ended the stream (at shutdown)
        }
    }
}
