package io.tidegate.gateway.backend.redis;

import io.tidegate.testkit.RedisServer;
import io.tidegate.testkit.RedisServerExtension;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.codec.ByteArrayCodec;
import io.tidegate.gateway.backend.AppendResult;
import io.tidegate.gateway.backend.BackendSubscription;
import io.tidegate.gateway.backend.DeadLetter;
import io.tidegate.gateway.backend.DeliverySink;
import io.tidegate.gateway.backend.Envelope;
import io.tidegate.gateway.backend.ForwardingBackendSubscription;
import io.tidegate.gateway.backend.StartAt;
import io.tidegate.gateway.backend.StoredMessage;
import io.tidegate.gateway.backend.SubscriptionSpec;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.routing.TopicPattern;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.Priority;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What only the Redis backend has to show: how it uses Redis (pipelining, consumer names, key
 * layout, trimming, reclaim bookkeeping) and that it cleans up after itself. The behaviour both
 * backends share is in {@link RedisBackendContractTest}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RedisBackendTest {

    @RegisterExtension
    static final RedisServerExtension REDIS = new RedisServerExtension();

    private static final Duration SOON = Duration.ofSeconds(10);

    private static RedisClient inspectClient;
    private static StatefulRedisConnection<String, String> inspectConnection;
    private static RedisCommands<String, String> inspect;

    private final List<RedisBackend> backends = new ArrayList<>();
    private final List<BackendSubscription> subscriptions = new ArrayList<>();
    private String prefix;
    private String gatewayId;

    @BeforeAll
    static void connectInspector() {
        inspectClient = RedisClient.create(REDIS.uri());
        inspectConnection = inspectClient.connect();
        inspect = inspectConnection.sync();
    }

    @AfterAll
    static void closeInspector() {
        inspectConnection.close();
        inspectClient.shutdown();
    }

    @BeforeEach
    void nameThisTest() {
        String unique = UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        prefix = "k" + unique;
        gatewayId = "gw-" + unique;
    }

    @AfterEach
    void closeAll() {
        subscriptions.forEach(BackendSubscription::close);
        backends.forEach(RedisBackend::close);
    }

    // ------------------------------------------------------------------ writing

    @Test
    void appendsArePipelinedNotOneRoundTripPerMessage() {
        RedisBackend backend = start();
        String topic = topic("quotes");
        long readsBefore = stat("stats", "total_reads_processed");
        long evalshaBefore = commandCalls("evalsha");
        long xaddBefore = commandCalls("xadd");

        List<CompletableFuture<List<AppendResult>>> batches = new ArrayList<>();
        for (int b = 0; b < 10; b++) {
            int from = b * 1000;
            batches.add(backend.append(IntStream.range(from, from + 1000)
                    .mapToObj(i -> envelope(topic, "q" + i, 200)).toList()));
        }
        List<io.tidegate.gateway.backend.EntryId> ids = new ArrayList<>();
        batches.forEach(f -> f.join().forEach(r -> ids.add(r.position().entryId())));
        assertThat(ids).as("entry ids follow publish order across runs and batches")
                .hasSize(10_000).isSortedAccordingTo(io.tidegate.gateway.backend.EntryId::compareTo).doesNotHaveDuplicates();

        long reads = stat("stats", "total_reads_processed") - readsBefore;
        int runsPerBatch = (1000 + RedisStreamWriter.MAX_RUN - 1) / RedisStreamWriter.MAX_RUN;
        assertThat(commandCalls("evalsha") - evalshaBefore).as("one script call per run of one topic's messages")
                .isEqualTo(10L * runsPerBatch);
        assertThat(commandCalls("xadd") - xaddBefore).as("one XADD per message").isEqualTo(10_000);
        // Redis reads a socket in 16 KiB chunks, so ~2.5 MB of pipelined commands take a few
        // hundred reads; one round trip per message would take 10,000.
        assertThat(reads).as("socket reads Redis needed for 10,000 appends").isLessThan(1_000);
        assertThat(inspect.xlen(RedisKeys.string(keys().stream(topic)))).isEqualTo(10_000);
        assertThat(clientNames()).filteredOn(n -> n.endsWith(":writer")).hasSize(1);
    }

    @Test
    void scriptIsLoadedOncePerConnectionAndAgainAfterRedisLostIt() {
        RedisBackend backend = start();
        String topic = topic("quotes");
        long loadsBefore = commandCalls("script|load");
        for (int i = 0; i < 5; i++) {
            backend.append(List.of(envelope(topic, "a" + i, 10))).join();
        }
        assertThat(commandCalls("script|load") - loadsBefore).isEqualTo(1);

        inspect.scriptFlush();
        CompletableFuture<List<AppendResult>> unlucky = backend.append(List.of(envelope(topic, "b0", 10)));
        await().atMost(SOON).until(unlucky::isDone);
        assertThat(unlucky).as("the batch that meets NOSCRIPT fails as a whole; nothing was stored")
                .isCompletedExceptionally();
        assertThat(backend.append(List.of(envelope(topic, "b1", 10))).join()).hasSize(1);
        assertThat(inspect.xlen(RedisKeys.string(keys().stream(topic)))).isEqualTo(6);
    }

    @Test
    void streamAndDedupKeysShareTheTopicsHashSlot() {
        RedisBackend backend = start();
        String topic = topic("orders.BINANCE.BTCUSDT");
        var appended = backend.append(List.of(envelope(topic, "order-1", 10))).join().get(0);

        String stream = prefix + ":s:{" + topic + "}";
        List<String> buckets = inspect.keys(prefix + ":dd:{" + topic + "}:*");
        assertThat(buckets).hasSize(1);
        String dedup = buckets.get(0);
        assertThat(inspect.keys(prefix + ":*")).contains(stream, dedup, prefix + ":topics");
        assertThat(inspect.type(stream)).isEqualTo("stream");
        assertThat(inspect.hget(dedup, "order-1")).isEqualTo(appended.position().entryId().toString());
        assertThat(inspect.pttl(dedup)).as("kept for the window and at most a bucket more")
                .isPositive().isLessThanOrEqualTo(GatewayConfig.defaultsWith().dedupWindow().toMillis() * 5 / 4 + 1);
        assertThat(SlotHash.getSlot(dedup)).isEqualTo(SlotHash.getSlot(stream)).isEqualTo(SlotHash.getSlot("{" + topic + "}"));
        assertThat(inspect.smembers(prefix + ":topics")).containsExactly(topic);
    }

    @Test
    void payloadBytesRoundTripExactly() {
        RedisBackend backend = start();
        String topic = topic("binary");
        byte[] everyByte = new byte[512];
        for (int i = 0; i < everyByte.length; i++) {
            everyByte[i] = (byte) i;
        }
        Message original = Message.newBuilder()
                .setId("bin-1")
                .setTopic(topic)
                .setPriority(Priority.PRIORITY_HIGH)
                .setPayload(ByteString.copyFrom(everyByte).concat(ByteString.copyFrom(new byte[] {(byte) 0xC3, 0x28, 0, '\r', '\n'})))
                .putHeaders("trace", "Ünïcødé ✓ \u0000 end")
                .setContentType("application/octet-stream")
                .setTsEvent(1_700_000_000_123_456_789L)
                .build();
        long accepted = 1_700_000_000_987_654_321L;
        Recorder r = new Recorder();
        subscribe(backend, broadcastSpec(topic, StartAt.EARLIEST), r).request(10);

        backend.append(List.of(new Envelope(original, topic, accepted))).join();

        eventually().until(() -> r.size() == 1);
        StoredMessage got = r.received.get(0);
        assertThat(got.message()).isEqualTo(original);
        assertThat(got.message().getPayload().toByteArray()).isEqualTo(original.getPayload().toByteArray());
        assertThat(got.acceptedNanos()).isEqualTo(accepted);
        try (StatefulRedisConnection<byte[], byte[]> raw = inspectClient.connect(ByteArrayCodec.INSTANCE)) {
            var entries = raw.sync().xrange(keys().stream(topic), io.lettuce.core.Range.unbounded());
            Map<String, byte[]> fields = entries.get(0).getBody().entrySet().stream()
                    .collect(Collectors.toMap(e -> new String(e.getKey(), StandardCharsets.US_ASCII), Map.Entry::getValue));
            assertThat(fields.get("msg")).isEqualTo(original.toByteArray());
            assertThat(new String(fields.get("at"), StandardCharsets.US_ASCII)).isEqualTo(Long.toString(accepted));
        }
    }

    @Test
    void maxLengthTrimsApproximatelyOnAppend() {
        RedisBackend backend = start("retention.max-length=100");
        String topic = topic("quotes");
        for (int b = 0; b < 10; b++) {
            int from = b * 100;
            backend.append(IntStream.range(from, from + 100).mapToObj(i -> envelope(topic, "q" + i, 20)).toList()).join();
        }
        long length = inspect.xlen(RedisKeys.string(keys().stream(topic)));
        // MAXLEN ~ frees whole stream nodes (stream-node-max-entries, 100 by default).
        assertThat(length).isBetween(100L, 200L);
        assertThat(inspect.xrevrange(RedisKeys.string(keys().stream(topic)), io.lettuce.core.Range.unbounded(),
                io.lettuce.core.Limit.from(1)).get(0).getBody().get("msg")).isNotNull();
    }

    @Test
    void appendFailsFastAndReadinessDropsWhenRedisGoesAway() {
        RedisServer own = RedisServer.start();
        try {
            RedisBackend backend = startOn(own.uri());
            String topic = topic("quotes");
            backend.append(List.of(envelope(topic, "before", 10))).join();
            assertThat(backend.isReady()).isTrue();

            own.close();

            eventually().until(() -> !backend.isReady());
            CompletableFuture<List<AppendResult>> after = backend.append(List.of(envelope(topic, "after", 10)));
            await().atMost(Duration.ofSeconds(3)).until(after::isDone);
            assertThat(after).isCompletedExceptionally();
        } finally {
            own.close();
        }
    }

    @Test
    void writerAndReadersCarryOnAfterRedisRestarts() {
        RedisServer own = RedisServer.start();
        try {
            RedisBackend backend = startOn(own.uri());
            String topic = topic("quotes");
            Recorder broadcast = new Recorder();
            subscribe(backend, broadcastSpec(topic, StartAt.LATEST), broadcast).request(100);
            Recorder member = new Recorder();
            subscribe(backend, groupSpec(topic, "g", "m1", StartAt.LATEST, Duration.ofSeconds(30)), member).request(100);
            backend.append(List.of(envelope(topic, "before", 10))).join();
            eventually().until(() -> broadcast.size() == 1 && member.size() == 1);

            own = own.restart();

            // Appends fail fast while the writer reconnects; the caller (dispatch) retries.
            String last = appendUntilAccepted(backend, topic, "after");
            await().atMost(Duration.ofSeconds(20)).until(() -> broadcast.ids().contains(last) && member.ids().contains(last));
            assertThat(backend.isReady()).isTrue();
        } finally {
            own.close();
        }
    }

    @Test
    void readsPauseBehindTheirBreakerDuringAnOutageAndContinueWithoutLoss() {
        RedisServer own = RedisServer.startPersistent();
        try {
            RedisBackend backend = startOn(own.uri(), "resilience.breaker.open-wait=300ms");
            String topic = topic("outage");
            Recorder broadcast = new Recorder();
            subscribe(backend, broadcastSpec(topic, StartAt.LATEST), broadcast).request(1000);
            Recorder member = new Recorder();
            subscribe(backend, groupSpec(topic, "g", "m1", StartAt.LATEST, Duration.ofSeconds(30)), member).request(1000);
            backend.append(List.of(envelope(topic, "before", 10))).join();
            eventually().until(() -> broadcast.size() == 1 && member.size() == 1);

            own.kill();
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    readBreaker(backend).timesEntered(io.github.resilience4j.circuitbreaker.CircuitBreaker.State.OPEN) > 0);
            own = own.killAndRestart(0);

            List<String> sent = new ArrayList<>(List.of("before"));
            sent.add(appendUntilAccepted(backend, topic, "after"));
            await().atMost(Duration.ofSeconds(20)).until(() -> broadcast.ids().contains(sent.get(1))
                    && member.ids().contains(sent.get(1)));
            await().atMost(Duration.ofSeconds(20)).until(() ->
                    readBreaker(backend).state() == io.github.resilience4j.circuitbreaker.CircuitBreaker.State.CLOSED);
            // earlier tries may also have been stored before their answer was lost; none twice, none lost
            assertThat(broadcast.ids()).doesNotHaveDuplicates().contains("before", sent.get(1));
            assertThat(member.ids()).doesNotHaveDuplicates().containsExactlyElementsOf(broadcast.ids());
        } finally {
            own.close();
        }
    }

    /**
     * Idle group members and live broadcast subscriptions wait at the shared readers without
     * asking Redis anything, so their waits record nothing in the read breaker: counted as reads
     * that went well, hundreds of them would outvote the few failing reads of an outage (the
     * shared readers' and the members the re-check wakes) and hold the breaker closed. It opens;
     * once Redis is back, each entry reaches one member and every broadcast subscription, none twice.
     */
    @Test
    void idleSubscriptionsRecordNothingInTheReadBreakerSoAnOutageOpensIt() {
        RedisServer own = RedisServer.startPersistent();
        try {
            GatewayConfig config = GatewayConfig.defaultsWith("backend.type=redis", "backend.redis.uri=" + own.uri(),
                    "backend.redis.key-prefix=" + prefix, "gateway-id=" + gatewayId, "backend.redis.block-timeout=250ms");
            CountingReadGuard reads = new CountingReadGuard(new io.tidegate.gateway.resilience.BreakerReadGuard("redis",
                    config.resilience(), config.backend().redis().blockTimeout()));
            RedisBackend backend = new RedisBackend(config.backend().redis(), config.storage(), null, reads);
            backends.add(backend);
            String topic = topic("idle-outage");
            RedisServer idling = own;
            int members = 200;
            List<Recorder> workers = new ArrayList<>();
            for (int i = 0; i < members; i++) {
                Recorder r = new Recorder();
                workers.add(r);
                subscribe(backend, groupSpec(topic, "workers", "member-" + i, StartAt.LATEST, Duration.ofSeconds(60)), r)
                        .request(2);
            }
            int broadcasts = 50;
            List<Recorder> listeners = new ArrayList<>();
            for (int i = 0; i < broadcasts; i++) {
                Recorder r = new Recorder();
                listeners.add(r);
                subscribe(backend, broadcastSpec(topic, StartAt.LATEST), r).request(1000);
            }
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .until(() -> commandCalls(idling).getOrDefault("xreadgroup", 0L) >= members
                            && backend.sharedTopicsInDemand() == 1);
            // all parked and idle; let the first cycles' stragglers finish
            await().pollDelay(Duration.ofSeconds(1)).until(() -> true);

            long before = reads.recorded.get();
            Duration window = Duration.ofSeconds(3);
            await().pollDelay(window).atMost(window.plus(SOON)).until(() -> true);
            long recorded = reads.recorded.get() - before;
            // the shared readers' XREADs and the re-check's one member per block timeout, not one per subscription
            assertThat(recorded).as("reads recorded in the breaker while %d subscriptions idled", members + broadcasts)
                    .isLessThanOrEqualTo(10 * (window.toMillis() / 250));

            own.kill();
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    readBreaker(backend).timesEntered(io.github.resilience4j.circuitbreaker.CircuitBreaker.State.OPEN) > 0);
            own = own.killAndRestart(0);

            List<String> sent = new ArrayList<>();
            sent.add(appendUntilAccepted(backend, topic, "probe"));
            List<String> jobs = IntStream.range(0, members).mapToObj(i -> "job" + i).toList();
            backend.append(jobs.stream().map(id -> envelope(topic, id, 10)).toList()).join();
            sent.addAll(jobs);

            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                    .until(() -> workers.stream().flatMap(r -> r.ids().stream()).toList().containsAll(sent)
                            && listeners.stream().allMatch(r -> r.ids().containsAll(sent)));
            // earlier probes may have been stored before their answer was lost: none twice
            assertThat(workers.stream().flatMap(r -> r.ids().stream()).toList()).doesNotHaveDuplicates();
            assertThat(listeners).allSatisfy(r -> assertThat(r.ids()).doesNotHaveDuplicates());
            await().atMost(Duration.ofSeconds(20)).until(() ->
                    readBreaker(backend).state() == io.github.resilience4j.circuitbreaker.CircuitBreaker.State.CLOSED);
        } finally {
            own.close();
        }
    }

    // ------------------------------------------------------------------ reading

    @Test
    void newTopicWakesABlockedPatternReaderLongBeforeTheBlockTimeout() {
        newTopicWakesTheBlockedRead(":shared-");
    }

    @Test
    void newTopicWakesAPatternSubscriptionsOwnBlockedReaderLongBeforeTheBlockTimeout() {
        newTopicWakesTheBlockedRead(":read:", "backend.redis.shared-readers=0");
    }

    private void newTopicWakesTheBlockedRead(String readerName, String... settings) {
        // a block far longer than SOON: the entry arrives within SOON only if the read was woken
        List<String> all = new ArrayList<>(List.of("backend.redis.block-timeout=1m"));
        all.addAll(Arrays.asList(settings));
        RedisBackend backend = start(all.toArray(String[]::new));
        String existing = topic("news.a");
        backend.append(List.of(envelope(existing, "a0", 10))).join();
        Recorder r = new Recorder();
        subscribe(backend, broadcastSpec(prefix + ".news.>", StartAt.LATEST), r).request(100);
        // Let the reader settle into its blocking XREAD on the one topic it knows.
        eventually().until(() -> clientList().stream().anyMatch(c -> c.contains(gatewayId + readerName)
                && c.contains("cmd=xread")));

        backend.append(List.of(envelope(topic("news.b"), "b0", 10))).join();
        eventually().until(() -> r.ids().contains("b0"));
    }

    @Test
    void hundredsOfBroadcastSubscriptionsShareAFewConnectionsAndEachGetsEveryMessageInOrder() {
        RedisBackend backend = start("backend.redis.shared-readers=2");
        List<String> topics = IntStream.range(0, 5).mapToObj(i -> topic("fan.t" + i)).toList();
        List<Recorder> recorders = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            Recorder r = new Recorder();
            recorders.add(r);
            BackendSubscription s = subscribe(backend, broadcastSpec(topics.get(i % topics.size()), StartAt.LATEST), r);
            s.request(1_000);
        }
        eventually().until(() -> backend.sharedTopicsInDemand() == topics.size());
        List<Envelope> batch = new ArrayList<>();
        for (int n = 0; n < 40; n++) {
            for (String t : topics) {
                batch.add(envelope(t, t + "#" + n, 10));
            }
        }
        backend.append(batch).join();

        eventually().until(() -> recorders.stream().allMatch(r -> r.received.size() == 40));
        for (int i = 0; i < recorders.size(); i++) {
            String t = topics.get(i % topics.size());
            assertThat(recorders.get(i).ids()).containsExactlyElementsOf(
                    IntStream.range(0, 40).mapToObj(n -> t + "#" + n).toList());
        }
        // control, writer, topics, catch-up and at most the two shared readers: none per subscription
        assertThat(clientNames().stream().filter(n -> n.startsWith("tidegate:" + gatewayId)).count()).isLessThanOrEqualTo(6);
    }

    @Test
    void aSubscriberOutOfCreditFallsBehindAloneAndCatchesUpInOrderWhileTheOthersStayServed() {
        RedisBackend backend = start();
        String topic = topic("slow");
        Recorder slow = new Recorder();
        Recorder fast = new Recorder();
        BackendSubscription slowSub = subscribe(backend, broadcastSpec(topic, StartAt.LATEST), slow);
        subscribe(backend, broadcastSpec(topic, StartAt.LATEST), fast).request(10_000);
        slowSub.request(3);
        eventually().until(() -> backend.sharedTopicsInDemand() == 1);
        List<String> sent = new ArrayList<>();
        for (int round = 0; round < 5; round++) {
            List<Envelope> batch = new ArrayList<>();
            for (int n = 0; n < 100; n++) {
                String id = "m" + (round * 100 + n);
                sent.add(id);
                batch.add(envelope(topic, id, 10));
            }
            backend.append(batch).join();
        }
        eventually().until(() -> fast.received.size() == sent.size());
        assertThat(fast.ids()).containsExactlyElementsOf(sent);
        eventually().until(() -> slow.received.size() == 3);
        assertThat(slow.maxInFlightViolation).isFalse();

        slowSub.request(10_000);
        eventually().until(() -> slow.received.size() == sent.size());
        assertThat(slow.ids()).containsExactlyElementsOf(sent);
        assertThat(slow.maxInFlightViolation).isFalse();

        // having caught up it is served by the shared reader again: a new message reaches both
        backend.append(List.of(envelope(topic, "after", 10))).join();
        eventually().until(() -> slow.ids().contains("after") && fast.ids().contains("after"));
    }

    /**
     * A subscription that took part of a shared read, then caught up on its own, parks again far
     * ahead of where the shared reader stopped. The reader starts from the earliest waiting cursor:
     * reading forward from where it stopped would cost as many reads again as the catching up did,
     * each handed to nobody, and the waiting subscription would get nothing meanwhile.
     */
    @Test
    void aSharedReaderLeftBehindReadsFromItsEarliestWaitNotThroughWhatNobodyWaitsFor() {
        RedisBackend backend = start("backend.redis.read-count=16");
        String topic = topic("left-behind");
        Recorder r = new Recorder();
        BackendSubscription s = subscribe(backend, broadcastSpec(topic, StartAt.LATEST), r);
        s.request(3);
        eventually().until(() -> backend.sharedTopicsInDemand() == 1);
        List<String> sent = IntStream.range(0, 10).mapToObj(i -> "first" + i)
                .collect(Collectors.toCollection(ArrayList::new));
        backend.append(sent.stream().map(id -> envelope(topic, id, 10)).toList()).join();
        // the shared reader read ten; the subscription took three of them
        eventually().until(() -> r.received.size() == 3);
        List<String> backlog = IntStream.range(0, 3_200).mapToObj(i -> "backlog" + i).toList();
        backend.append(backlog.stream().map(id -> envelope(topic, id, 10)).toList()).join();
        sent.addAll(backlog);

        long before = commandCalls("xread");
        s.request(10_000);
        eventually().until(() -> r.received.size() == sent.size() && backend.sharedTopicsInDemand() == 1);
        backend.append(List.of(envelope(topic, "fresh", 10))).join();
        sent.add("fresh");
        eventually().until(() -> r.received.size() == sent.size());

        assertThat(r.ids()).containsExactlyElementsOf(sent);
        // catching up takes 200 reads of 16; reading on from the tenth entry would take 200 more
        assertThat(commandCalls("xread") - before).isLessThan(300);
    }

    @Test
    void demandIsExactWhenOneReadSpansManyStreams() {
        RedisBackend backend = start();
        List<String> topics = IntStream.range(0, 10).mapToObj(i -> topic("many.t" + i)).toList();
        List<Envelope> all = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            for (String t : topics) {
                all.add(envelope(t, t + "#" + i, 10));
            }
        }
        backend.append(all).join();

        Recorder broadcast = new Recorder();
        BackendSubscription b = subscribe(backend, broadcastSpec(prefix + ".many.*", StartAt.EARLIEST), broadcast);
        Recorder member = new Recorder();
        BackendSubscription g = subscribe(backend, groupSpec(prefix + ".many.*", "g", "m1", StartAt.EARLIEST,
                Duration.ofSeconds(30)), member);
        b.request(7);
        g.request(7);

        eventually().until(() -> broadcast.size() == 7 && member.size() == 7);
        staysFor(Duration.ofMillis(500), () -> broadcast.size() == 7 && member.size() == 7);
        b.request(193);
        g.request(193);
        eventually().until(() -> broadcast.size() == 200 && member.size() == 200);
        staysFor(Duration.ofMillis(300), () -> broadcast.size() == 200 && member.size() == 200);

        for (Recorder r : List.of(broadcast, member)) {
            assertThat(r.ids()).doesNotHaveDuplicates().hasSize(200);
            for (String t : topics) {
                assertThat(r.idsOf(t)).as("order within %s", t)
                        .containsExactlyElementsOf(IntStream.range(0, 20).mapToObj(i -> t + "#" + i).toList());
            }
        }
        // Entries read beyond the demand went back unchanged: nobody saw them twice.
        assertThat(member.received).allSatisfy(m -> assertThat(m.deliveryCount()).isEqualTo(1));
        assertThat(broadcast.maxInFlightViolation).isFalse();
        assertThat(member.maxInFlightViolation).isFalse();
        assertThat(broadcast.threads).as("sink calls run on the backend's pool, not Lettuce's event loop")
                .allMatch(name -> name.startsWith("tidegate-redis-"));
        assertThat(member.threads).allMatch(name -> name.startsWith("tidegate-redis-"));
    }

    @Test
    void aReadCountSetWhileRunningBoundsTheReadsThatFollow() {
        RedisBackend backend = start();
        String topic = topic("counted");
        backend.append(IntStream.range(0, 1000).mapToObj(i -> envelope(topic, "m" + i, 10)).toList()).join();
        backend.readCount(10); // as the tuning controller sets it; configured 4096
        long readsBefore = commandCalls("xread");

        Recorder r = new Recorder();
        subscribe(backend, broadcastSpec(topic, StartAt.EARLIEST), r).request(10_000);

        eventually().until(() -> r.size() == 1000);
        assertThat(commandCalls("xread") - readsBefore).as("XREAD calls for 1,000 entries read 10 at a time")
                .isGreaterThanOrEqualTo(100);
        assertThat(r.ids()).hasSize(1000).doesNotHaveDuplicates();
    }

    // ------------------------------------------------------------------ groups

    @Test
    void eachGroupMemberReadsUnderItsOwnConsumerNameOverTheSharedConnections() {
        RedisBackend backend = start();
        String topic = topic("work");
        Recorder a = new Recorder();
        Recorder b = new Recorder();
        subscribe(backend, groupSpec(topic, "workers", "member-a", StartAt.LATEST, Duration.ofSeconds(30)), a).request(5);
        subscribe(backend, groupSpec(topic, "workers", "member-b", StartAt.LATEST, Duration.ofSeconds(30)), b).request(5);
        backend.append(IntStream.range(0, 10).mapToObj(i -> envelope(topic, "w" + i, 10)).toList()).join();

        eventually().until(() -> a.size() == 5 && b.size() == 5);
        List<Object> consumers = inspect.xinfoConsumers(RedisKeys.string(keys().stream(topic)), prefix + "workers");
        assertThat(consumerField(consumers, "name")).containsExactlyInAnyOrder("member-a", "member-b");
        assertThat(consumerField(consumers, "pending")).containsExactly(5L, 5L);
        assertThat(clientNames()).filteredOn(n -> n.contains(gatewayId + ":read:")).isEmpty();
    }

    /**
     * Pooled group reads: a thousand members of one group on one gateway wait on the shared
     * readers and read with non-blocking XREADGROUP over the shared connection, so Redis sees a
     * handful of connections; every member gets exactly its credit's worth and no entry is lost
     * or handed out twice.
     */
    @Test
    void aThousandGroupMembersShareAFewConnectionsAndTogetherReceiveEveryEntryOnce() {
        RedisBackend backend = start();
        String topic = topic("jobs");
        int members = 1_000;
        int credit = 3;
        List<Recorder> recorders = new ArrayList<>();
        for (int i = 0; i < members; i++) {
            Recorder r = new Recorder();
            recorders.add(r);
            subscribe(backend, groupSpec(topic, "workers", "member-" + i, StartAt.LATEST, Duration.ofSeconds(60)), r)
                    .request(credit);
        }
        // every member has created or found the group and parked with the shared readers
        eventually().until(() -> backend.sharedTopicsInDemand() == 1);
        int total = members * credit;
        assertFewConnectionsWhile(sample -> {
            for (int batch = 0; batch < 10; batch++) {
                int from = batch * total / 10;
                int to = (batch + 1) * total / 10;
                backend.append(IntStream.range(from, to).mapToObj(i -> envelope(topic, "job" + i, 10)).toList()).join();
                sample.run();
            }

            await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(50)).until(() -> {
                sample.run();
                return recorders.stream().mapToInt(Recorder::size).sum() == total;
            });
        });
        for (Recorder r : recorders) {
            assertThat(r.size()).isEqualTo(credit);
            assertThat(r.maxInFlightViolation).isFalse();
        }
        List<String> received = recorders.stream().flatMap(r -> r.ids().stream()).toList();
        assertThat(received).doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(IntStream.range(0, total).mapToObj(i -> "job" + i).toList());
        List<Object> consumers = inspect.xinfoConsumers(RedisKeys.string(keys().stream(topic)), prefix + "workers");
        assertThat(consumerField(consumers, "name")).hasSize(members);
    }

    /**
     * Pooled strict reads: 1,000 strict-key-order members hold no Redis connection each (their
     * scripts run on the shared connection, their waits park with the shared readers), every
     * entry reaches exactly one member, and each key's entries go out one at a time in stream
     * order: the next only after the previous one was acked, whichever members hold the key.
     */
    @Test
    void aThousandStrictMembersShareAFewConnectionsAndKeepKeyOrder() {
        RedisBackend backend = start();
        String topic = topic("orders");
        int members = 1_000;
        List<Recorder> recorders = new ArrayList<>();
        AtomicInteger deliveries = new AtomicInteger();
        // per key, the sequence numbers in the order they went out (a global counter taken on arrival)
        Map<String, List<long[]>> byKey = new java.util.concurrent.ConcurrentHashMap<>();
        for (int i = 0; i < members; i++) {
            Recorder r = new Recorder();
            recorders.add(r);
            BackendSubscription sub = subscribe(backend, new SubscriptionSpec(prefix + "-sub" + subscriptions.size(),
                    List.of(TopicPattern.compile(topic, 255)), prefix + "strict", "member-" + i, StartAt.LATEST,
                    Duration.ofSeconds(60), true), r);
            r.onEach = m -> {
                long at = deliveries.incrementAndGet();
                String[] keyAndSeq = m.message().getId().split("/");
                byKey.computeIfAbsent(keyAndSeq[0], k -> java.util.Collections.synchronizedList(new ArrayList<>()))
                        .add(new long[] {at, Long.parseLong(keyAndSeq[1])});
                // acked on arrival, credit given back: a key's next entry may then go out
                sub.ack(List.of(m.position()));
                sub.request(1);
            };
            sub.request(2);
        }
        // every member has created or found the group and parked with the shared readers
        eventually().until(() -> backend.sharedTopicsInDemand() == 1);
        int keys = 50;
        int perKey = 40;
        List<String> sent = new ArrayList<>();
        assertFewConnectionsWhile(sample -> {
            for (int seq = 0; seq < perKey; seq++) {
                List<Envelope> batch = new ArrayList<>();
                for (int k = 0; k < keys; k++) {
                    String id = "key" + k + "/" + seq;
                    sent.add(id);
                    batch.add(keyedEnvelope(topic, id, "key" + k));
                }
                backend.append(batch).join();
                sample.run();
            }

            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
                sample.run();
                return recorders.stream().mapToInt(Recorder::size).sum() >= sent.size();
            });
            staysFor(Duration.ofMillis(300), () -> recorders.stream().mapToInt(Recorder::size).sum() == sent.size());
        });
        List<String> received = recorders.stream().flatMap(r -> r.ids().stream()).toList();
        assertThat(received).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(sent);
        assertThat(recorders).allSatisfy(r -> assertThat(r.maxInFlightViolation).isFalse());
        assertThat(byKey).hasSize(keys);
        byKey.forEach((key, out) -> {
            List<long[]> inDeliveryOrder = new ArrayList<>(out);
            inDeliveryOrder.sort(java.util.Comparator.comparingLong(a -> a[0]));
            assertThat(inDeliveryOrder.stream().map(a -> a[1]).toList()).as("key %s in delivery order", key)
                    .isEqualTo(java.util.stream.LongStream.range(0, perKey).boxed().toList());
        });
    }

    /**
     * Pooled predictive reads: a group of 300 members under {@code delivery.balancer = predictive}
     * holds no Redis connection per member, and every entry reaches exactly one member, the
     * steering's waits (for the next entry, until an unread one waited long enough, until an
     * ack) all done without a connection of their own.
     */
    @Test
    void aPredictiveGroupOfManyMembersSharesAFewConnectionsAndReceivesEveryEntryOnce() {
        RedisBackend backend = start("delivery.balancer=predictive");
        String topic = topic("steered");
        int members = 300;
        List<Recorder> recorders = new ArrayList<>();
        for (int i = 0; i < members; i++) {
            Recorder r = new Recorder();
            recorders.add(r);
            BackendSubscription sub = subscribe(backend,
                    groupSpec(topic, "steered", "member-" + i, StartAt.LATEST, Duration.ofSeconds(60)), r);
            r.onEach = m -> {
                sub.ack(List.of(m.position()));
                sub.request(1);
            };
            sub.request(2);
        }
        eventually().until(() -> backend.sharedTopicsInDemand() == 1);
        int total = 1_500;
        assertFewConnectionsWhile(sample -> {
            for (int batch = 0; batch < 10; batch++) {
                int from = batch * total / 10;
                int to = (batch + 1) * total / 10;
                backend.append(IntStream.range(from, to).mapToObj(i -> envelope(topic, "job" + i, 10)).toList()).join();
                sample.run();
            }

            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
                sample.run();
                return recorders.stream().mapToInt(Recorder::size).sum() >= total;
            });
            staysFor(Duration.ofMillis(300), () -> recorders.stream().mapToInt(Recorder::size).sum() == total);
        });
        List<String> received = recorders.stream().flatMap(r -> r.ids().stream()).toList();
        assertThat(received).doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(IntStream.range(0, total).mapToObj(i -> "job" + i).toList());
        assertThat(recorders).allSatisfy(r -> assertThat(r.maxInFlightViolation).isFalse());
    }

    /**
     * Pooled group reads: members parked with the shared readers cost Redis a few commands per
     * topic and block timeout, however many they are; they do not each look again every block
     * timeout. A Redis restart (with its data) while they are parked loses nothing, and what is
     * published afterwards reaches each entry's one member.
     */
    @Test
    void idleGroupMembersCostRedisAFewCommandsPerTopicNotOnePerMember() {
        RedisServer own = RedisServer.startPersistent();
        try {
            RedisBackend backend = startOn(own.uri(), "backend.redis.block-timeout=250ms");
            String topic = topic("idle");
            RedisServer idling = own;
            int members = 200;
            int credit = 2;
            List<Recorder> recorders = new ArrayList<>();
            for (int i = 0; i < members; i++) {
                Recorder r = new Recorder();
                recorders.add(r);
                subscribe(backend, groupSpec(topic, "workers", "member-" + i, StartAt.LATEST, Duration.ofSeconds(60)), r)
                        .request(credit);
            }
            // every member has read once (Redis names a consumer only once it was handed an entry)
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .until(() -> commandCalls(idling).getOrDefault("xreadgroup", 0L) >= members
                            && backend.sharedTopicsInDemand() == 1);
            // and parked; let the first cycles' stragglers finish
            await().pollDelay(Duration.ofSeconds(1)).until(() -> true);

            Map<String, Long> before = commandCalls(own);
            Duration window = Duration.ofSeconds(3);
            await().pollDelay(window).atMost(window.plus(SOON)).until(() -> true);
            Map<String, Long> after = commandCalls(own);

            long blockTimeouts = window.toMillis() / 250;
            long groupReads = delta(before, after, "xreadgroup");
            long total = after.values().stream().mapToLong(Long::longValue).sum()
                    - before.values().stream().mapToLong(Long::longValue).sum();
            // one topic, one group: a member's look (its reclaim scan, the newest id, its read) per block timeout
            assertThat(groupReads).as("XREADGROUP calls while %d members idled", members)
                    .isLessThanOrEqualTo(2 * blockTimeouts);
            assertThat(total).as("Redis commands while %d members idled: %s", members, after)
                    .isLessThanOrEqualTo(10 * blockTimeouts);

            own = own.killAndRestart(0);
            List<String> sent = new ArrayList<>();
            sent.add(appendUntilAccepted(backend, topic, "probe"));
            List<String> jobs = IntStream.range(0, members).mapToObj(i -> "job" + i).toList();
            backend.append(jobs.stream().map(id -> envelope(topic, id, 10)).toList()).join();
            sent.addAll(jobs);

            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                    .until(() -> recorders.stream().flatMap(r -> r.ids().stream()).toList().containsAll(sent));
            // earlier probes may have been stored before their answer was lost: none twice
            List<String> received = recorders.stream().flatMap(r -> r.ids().stream()).toList();
            assertThat(received).doesNotHaveDuplicates();
            assertThat(recorders).allSatisfy(r -> assertThat(r.maxInFlightViolation).isFalse());
        } finally {
            own.close();
        }
    }

    /**
     * An entry left pending by a member that went away is reclaimed by a member that is parked,
     * although nothing new arrives on the topic to wake it; it goes to one member only.
     */
    @Test
    void parkedMembersReclaimAnEntryLeftPendingWithoutNewEntriesToWakeThem() {
        RedisBackend backend = start("backend.redis.block-timeout=250ms", "backend.redis.reclaim-interval=100ms");
        String topic = topic("left");
        String stream = RedisKeys.string(keys().stream(topic));
        Recorder leaving = new Recorder();
        BackendSubscription leavingSub = subscribe(backend,
                groupSpec(topic, "g", "leaving", StartAt.LATEST, Duration.ofSeconds(1)), leaving);
        leavingSub.request(1);
        backend.append(List.of(envelope(topic, "orphan", 10))).join();
        eventually().until(() -> leaving.size() == 1);
        leavingSub.close();

        int members = 50;
        List<Recorder> parked = new ArrayList<>();
        for (int i = 0; i < members; i++) {
            Recorder r = new Recorder();
            parked.add(r);
            subscribe(backend, groupSpec(topic, "g", "parked-" + i, StartAt.LATEST, Duration.ofSeconds(1)), r).request(5);
        }
        eventually().until(() -> parked.stream().anyMatch(r -> r.size() == 1));
        staysFor(Duration.ofMillis(500), () -> parked.stream().mapToInt(Recorder::size).sum() == 1);
        StoredMessage reclaimed = parked.stream().filter(r -> r.size() == 1).findFirst().orElseThrow().received.get(0);
        assertThat(reclaimed.message().getId()).isEqualTo("orphan");
        assertThat(reclaimed.deliveryCount()).isEqualTo(2);
        assertThat(inspect.xpending(stream, prefix + "g").getCount()).isEqualTo(1);
    }

    @Test
    void withOwnReadersEachGroupMemberReadsOnItsOwnConnection() {
        RedisBackend backend = start("backend.redis.shared-readers=0");
        String topic = topic("work");
        Recorder a = new Recorder();
        Recorder b = new Recorder();
        subscribe(backend, groupSpec(topic, "workers", "member-a", StartAt.LATEST, Duration.ofSeconds(30)), a).request(5);
        subscribe(backend, groupSpec(topic, "workers", "member-b", StartAt.LATEST, Duration.ofSeconds(30)), b).request(5);
        backend.append(IntStream.range(0, 10).mapToObj(i -> envelope(topic, "w" + i, 10)).toList()).join();

        eventually().until(() -> a.size() == 5 && b.size() == 5);
        List<Object> consumers = inspect.xinfoConsumers(RedisKeys.string(keys().stream(topic)), prefix + "workers");
        assertThat(consumerField(consumers, "name")).containsExactlyInAnyOrder("member-a", "member-b");
        assertThat(consumerField(consumers, "pending")).containsExactly(5L, 5L);
        assertThat(clientNames()).filteredOn(n -> n.contains(":read:")).hasSize(2).doesNotHaveDuplicates();
    }

    @Test
    void closedMembersEntriesStayPendingUnderItsNameUntilAnotherMemberReclaimsThem() {
        RedisBackend backend = start("backend.redis.reclaim-interval=50ms");
        String topic = topic("work");
        String stream = RedisKeys.string(keys().stream(topic));
        String group = prefix + "g";
        Recorder leaving = new Recorder();
        BackendSubscription leavingSub = subscribe(backend,
                groupSpec(topic, "g", "leaving", StartAt.LATEST, Duration.ofMillis(400)), leaving);
        leavingSub.request(3);
        backend.append(IntStream.range(0, 3).mapToObj(i -> envelope(topic, "job" + i, 10)).toList()).join();
        eventually().until(() -> leaving.size() == 3);

        leavingSub.close();
        staysFor(Duration.ofMillis(200), () -> consumerField(inspect.xinfoConsumers(stream, group), "name").contains("leaving"));
        assertThat(inspect.xpending(stream, group).getConsumerMessageCount()).containsEntry("leaving", 3L);

        Recorder staying = new Recorder();
        BackendSubscription stayingSub = subscribe(backend,
                groupSpec(topic, "g", "staying", StartAt.LATEST, Duration.ofMillis(400)), staying);
        stayingSub.request(10);
        eventually().until(() -> staying.size() == 3);
        assertThat(staying.ids()).containsExactlyInAnyOrder("job0", "job1", "job2");
        assertThat(staying.received).allSatisfy(m -> assertThat(m.deliveryCount()).isEqualTo(2));
        assertThat(inspect.xpending(stream, group).getConsumerMessageCount()).containsOnlyKeys("staying");

        stayingSub.ack(staying.received.stream().map(StoredMessage::position).toList());
        eventually().until(() -> inspect.xpending(stream, group).getCount() == 0);
        stayingSub.close();
        // Nothing pending any more: a closing member leaves no consumer behind.
        eventually().until(() -> !consumerField(inspect.xinfoConsumers(stream, group), "name").contains("staying"));
    }

    @Test
    void memberResubscribingUnderTheSameNameGetsItsPendingEntriesAtOnce() {
        RedisBackend backend = start();
        String topic = topic("work");
        Recorder first = new Recorder();
        BackendSubscription firstSub = subscribe(backend,
                groupSpec(topic, "g", "stable-name", StartAt.LATEST, Duration.ofMinutes(5)), first);
        firstSub.request(10);
        backend.append(List.of(envelope(topic, "j1", 10), envelope(topic, "j2", 10))).join();
        eventually().until(() -> first.size() == 2);
        firstSub.close();

        Recorder again = new Recorder();
        subscribe(backend, groupSpec(topic, "g", "stable-name", StartAt.LATEST, Duration.ofMinutes(5)), again)
                .request(10);
        eventually().until(() -> again.size() == 2);
        assertThat(again.ids()).containsExactly("j1", "j2");
        assertThat(again.received).allSatisfy(m -> assertThat(m.deliveryCount()).isEqualTo(2));
    }

    @Test
    void deadLetterIsANormalTopicWithTheOriginalPayloadAndItsOrigin() {
        RedisBackend backend = start("delivery.max-deliveries=2", "backend.redis.reclaim-interval=50ms");
        String topic = topic("work");
        String group = prefix + "g";
        String dlqTopic = "dlq." + group + "." + topic;
        Recorder member = new Recorder();
        BackendSubscription sub = subscribe(backend, groupSpec(topic, "g", "m1", StartAt.LATEST, Duration.ofSeconds(30)),
                member);
        member.onEach = m -> sub.nack(List.of(m.position()), Duration.ZERO);
        sub.request(100);
        AppendResult original = backend.append(List.of(envelope(topic, "poison", 64))).join().get(0);

        eventually().until(() -> inspect.xlen(RedisKeys.string(keys().stream(dlqTopic))) == 1);
        assertThat(member.received).extracting(StoredMessage::deliveryCount).containsExactly(1, 2);
        eventually().until(() -> inspect.xpending(RedisKeys.string(keys().stream(topic)), group).getCount() == 0);
        assertThat(inspect.smembers(prefix + ":topics")).contains(dlqTopic);

        Recorder dlq = new Recorder();
        subscribe(backend, broadcastSpec(dlqTopic, StartAt.EARLIEST), dlq).request(10);
        eventually().until(() -> dlq.size() == 1);
        Message dead = dlq.received.get(0).message();
        assertThat(dead.getTopic()).isEqualTo(dlqTopic);
        assertThat(dead.getId()).isEqualTo("poison");
        assertThat(dead.getPayload()).isEqualTo(envelope(topic, "poison", 64).message().getPayload());
        assertThat(dead.getHeadersMap())
                .containsEntry(DeadLetter.TOPIC_HEADER, topic)
                .containsEntry(DeadLetter.ENTRY_ID_HEADER, original.position().entryId().toString())
                .containsEntry(DeadLetter.DELIVERIES_HEADER, "2");
        staysFor(Duration.ofMillis(500), () -> member.size() == 2);
    }

    @Test
    void sweepRemovesOnlyConsumersThatHoldNothingAndStoppedReading() {
        String stream = prefix + ":s:{" + topic("work") + "}";
        inspect.xgroupCreate(io.lettuce.core.XReadArgs.StreamOffset.from(stream, "0"), "g",
                io.lettuce.core.XGroupCreateArgs.Builder.mkstream());
        inspect.xadd(stream, "k", "v");
        inspect.xgroupCreateconsumer(stream, io.lettuce.core.Consumer.from("g", "gone"));
        inspect.xreadgroup(io.lettuce.core.Consumer.from("g", "holding"), io.lettuce.core.XReadArgs.StreamOffset.lastConsumed(stream));
        inspect.xgroupCreateconsumer(stream, io.lettuce.core.Consumer.from("g", "fresh"));

        try (StatefulRedisConnection<byte[], byte[]> raw = inspectClient.connect(ByteArrayCodec.INSTANCE)) {
            Long removed = LuaScript.SWEEP_CONSUMERS.<Long>run(raw.async(), io.lettuce.core.ScriptOutputType.INTEGER,
                    new byte[][] {RedisKeys.bytes(stream)}, RedisKeys.bytes("g"), RedisKeys.bytes("60000")).join();
            assertThat(removed).as("nobody has been idle for a minute").isZero();
            await().pollDelay(Duration.ofMillis(30)).until(() -> true);
            removed = LuaScript.SWEEP_CONSUMERS.<Long>run(raw.async(), io.lettuce.core.ScriptOutputType.INTEGER,
                    new byte[][] {RedisKeys.bytes(stream)}, RedisKeys.bytes("g"), RedisKeys.bytes("20")).join();
            assertThat(removed).isEqualTo(2);
        }
        assertThat(consumerField(inspect.xinfoConsumers(stream, "g"), "name")).containsExactly("holding");
    }

    // ------------------------------------------------------------------ lifecycle

    @Test
    void closeReleasesEveryThreadAndConnection() {
        List<String> threadsBefore = backendThreads();
        RedisBackend backend = start();
        String topic = topic("quotes");
        subscribe(backend, broadcastSpec(topic, StartAt.LATEST), new Recorder()).request(10);
        subscribe(backend, groupSpec(topic, "g", "m1", StartAt.LATEST, Duration.ofSeconds(30)), new Recorder()).request(10);
        backend.append(List.of(envelope(topic, "x", 10))).join();
        // control, writer, topics, catch-up and the shared reader of the topic (the member reads through them)
        eventually().until(() -> clientNames().stream().filter(n -> n.startsWith("tidegate:" + gatewayId)).count() == 5);
        assertThat(backendThreads()).hasSizeGreaterThan(threadsBefore.size());

        backend.close();

        eventually().until(() -> clientNames().stream().noneMatch(n -> n.startsWith("tidegate:" + gatewayId)));
        eventually().until(() -> backendThreads().equals(threadsBefore));
        assertThat(backend.isReady()).isFalse();
    }

    // ================================================================== fixtures

    private RedisBackend start(String... overrides) {
        return startOn(REDIS.uri(), overrides);
    }

    private RedisBackend startOn(String uri, String... overrides) {
        List<String> all = new ArrayList<>(List.of("backend.type=redis", "backend.redis.uri=" + uri,
                "backend.redis.key-prefix=" + prefix, "gateway-id=" + gatewayId, "backend.redis.block-timeout=100ms"));
        all.addAll(Arrays.asList(overrides));
        RedisBackend backend = ConfiguredRedisBackend.open(GatewayConfig.defaultsWith(all.toArray(String[]::new)));
        backends.add(backend);
        return backend;
    }

    private RedisKeys keys() {
        return new RedisKeys(prefix);
    }

    private String topic(String name) {
        return prefix + "." + name;
    }

    /** Subscribes; the returned subscription tells the recorder how much was requested. */
    private BackendSubscription subscribe(RedisBackend backend, SubscriptionSpec spec, Recorder recorder) {
        BackendSubscription s = backend.subscribe(spec, recorder);
        subscriptions.add(s);
        return new ForwardingBackendSubscription() {
            @Override
            protected BackendSubscription delegate() {
                return s;
            }

            @Override
            public void request(int n) {
                recorder.requested.addAndGet(n);
                s.request(n);
            }
        };
    }

    private SubscriptionSpec broadcastSpec(String pattern, StartAt start) {
        return new SubscriptionSpec(prefix + "-sub" + subscriptions.size(), List.of(TopicPattern.compile(pattern, 255)),
                null, null, start, null);
    }

    private SubscriptionSpec groupSpec(String pattern, String group, String consumer, StartAt start, Duration deadline) {
        return new SubscriptionSpec(prefix + "-sub" + subscriptions.size(), List.of(TopicPattern.compile(pattern, 255)),
                prefix + group, consumer, start, deadline);
    }

    /**
     * Appends one message while the writer reconnects after a Redis restart, trying again (a new
     * id each time) until one is accepted; returns that id.
     */
    private static String appendUntilAccepted(RedisBackend backend, String topic, String idPrefix) {
        AtomicInteger attempt = new AtomicInteger();
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                .until(() -> backend.append(List.of(envelope(topic, idPrefix + attempt.incrementAndGet(), 10)))
                        .get(2, TimeUnit.SECONDS).size() == 1);
        return idPrefix + attempt.get();
    }

    /** An entry with an ordering key, for strict key order. */
    static Envelope keyedEnvelope(String topic, String id, String orderingKey) {
        Message m = Message.newBuilder().setTopic(topic).setId(id).setOrderingKey(orderingKey)
                .setPayload(ByteString.copyFromUtf8("x")).build();
        return new Envelope(m, topic, System.currentTimeMillis() * 1_000_000L);
    }

    static Envelope envelope(String topic, String id, int payloadBytes) {
        byte[] payload = new byte[payloadBytes];
        Arrays.fill(payload, (byte) 'x');
        Message m = Message.newBuilder().setTopic(topic).setId(id).setPayload(ByteString.copyFrom(payload)).build();
        return new Envelope(m, topic, System.currentTimeMillis() * 1_000_000L);
    }

    /**
     * Runs {@code publishAndWait}, which calls the sampler it is given between its steps, and
     * checks that the connections Redis counted before, during and after stayed a few shared ones:
     * none per subscriber, and no gateway read connection of its own.
     */
    private void assertFewConnectionsWhile(Consumer<Runnable> publishAndWait) {
        List<Long> connected = new CopyOnWriteArrayList<>();
        List<Long> ownedByGateway = new CopyOnWriteArrayList<>();
        Runnable sample = () -> {
            connected.add(stat("clients", "connected_clients"));
            ownedByGateway.add(clientNames().stream().filter(n -> n.startsWith("tidegate:" + gatewayId)).count());
        };
        sample.run();
        publishAndWait.accept(sample);
        sample.run();
        // the whole Redis server, this test's inspector included; none per member
        assertThat(connected).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(64L));
        // control, writer, topics, catch-up and the shared reader of the topic
        assertThat(ownedByGateway).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(5L));
        assertThat(clientNames()).filteredOn(n -> n.contains(gatewayId + ":read:")).isEmpty();
    }

    private static long stat(String section, String field) {
        for (String line : inspect.info(section).split("\r?\n")) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.substring(field.length() + 1).trim());
            }
        }
        throw new AssertionError("INFO " + section + " has no " + field);
    }

    /** Calls per command since the server started, from INFO commandstats (the asking INFO included). */
    private static Map<String, Long> commandCalls(RedisServer server) {
        Map<String, Long> calls = new java.util.TreeMap<>();
        for (String line : server.commandText("INFO commandstats").split("\r?\n")) {
            if (line.startsWith("cmdstat_") && line.contains(":calls=")) {
                String name = line.substring("cmdstat_".length(), line.indexOf(':'));
                String rest = line.substring(line.indexOf(":calls=") + ":calls=".length());
                calls.put(name, Long.parseLong(rest.substring(0, rest.indexOf(','))));
            }
        }
        return calls;
    }

    private static long delta(Map<String, Long> before, Map<String, Long> after, String command) {
        return after.getOrDefault(command, 0L) - before.getOrDefault(command, 0L);
    }

    private static long commandCalls(String command) {
        for (String line : inspect.info("commandstats").split("\r?\n")) {
            if (line.startsWith("cmdstat_" + command + ":calls=")) {
                String rest = line.substring(("cmdstat_" + command + ":calls=").length());
                return Long.parseLong(rest.substring(0, rest.indexOf(',')));
            }
        }
        return 0;
    }

    private static List<String> clientList() {
        return Arrays.asList(inspect.clientList().split("\r?\n"));
    }

    private static List<String> clientNames() {
        List<String> names = new ArrayList<>();
        for (String client : clientList()) {
            for (String field : client.split(" ")) {
                if (field.startsWith("name=") && field.length() > 5) {
                    names.add(field.substring(5));
                }
            }
        }
        return names;
    }

    /** One field of every consumer in an XINFO CONSUMERS reply (a flat name/value list per consumer). */
    private static List<Object> consumerField(List<Object> consumers, String field) {
        List<Object> values = new ArrayList<>();
        for (Object c : consumers) {
            List<?> kv = c instanceof Map<?, ?> m ? m.entrySet().stream().flatMap(e -> java.util.stream.Stream.of(e.getKey(), e.getValue())).toList() : (List<?>) c;
            for (int i = 0; i + 1 < kv.size(); i += 2) {
                if (field.equals(String.valueOf(kv.get(i)))) {
                    values.add(kv.get(i + 1));
                }
            }
        }
        return values;
    }

    private static List<String> backendThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .map(Thread::getName)
                .filter(n -> n.startsWith("tidegate-redis") || n.startsWith("lettuce-"))
                .sorted()
                .toList();
    }

    private static ConditionFactory eventually() {
        return await().atMost(SOON).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10));
    }

    private static void staysFor(Duration period, java.util.concurrent.Callable<Boolean> condition) {
        await().during(period).atMost(period.plus(SOON)).pollInterval(Duration.ofMillis(20)).until(condition);
    }

    /** Records deliveries and checks they never exceed what was requested (also used by {@link RedisClusterBackendTest}). */
    static final class Recorder implements DeliverySink {
        final List<io.tidegate.gateway.backend.DeliveryGap> gaps = new java.util.concurrent.CopyOnWriteArrayList<>();
        final List<StoredMessage> received = new CopyOnWriteArrayList<>();
        final AtomicInteger requested = new AtomicInteger();
        final java.util.Set<String> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();
        volatile boolean maxInFlightViolation;
        volatile java.util.function.Consumer<StoredMessage> onEach = m -> { };
        /** The reasons of every {@link #onReset} call. */
        final List<String> resets = new CopyOnWriteArrayList<>();

        @Override
        public void onMessages(List<StoredMessage> messages) {
            if (received.size() + messages.size() > requested.get()) {
                maxInFlightViolation = true;
            }
            threads.add(Thread.currentThread().getName());
            received.addAll(messages);
            messages.forEach(onEach);
        }

        @Override
        public void onError(Throwable cause) {
            throw new AssertionError("unexpected onError", cause);
        }

        @Override
        public void onGap(io.tidegate.gateway.backend.DeliveryGap gap) {
            gaps.add(gap);
        }

        @Override
        public void onReset(String reason, java.time.Instant detectedAt) {
            resets.add(reason);
        }

        int size() {
            return received.size();
        }

        List<String> ids() {
            return received.stream().map(m -> m.message().getId()).toList();
        }

        List<String> idsOf(String topic) {
            return received.stream().filter(m -> m.position().topic().equals(topic)).map(m -> m.message().getId()).toList();
        }
    }

    private static io.tidegate.gateway.resilience.BreakerStateListener readBreaker(RedisBackend backend) {
        ReadGuard guard = backend.readGuard() instanceof CountingReadGuard c ? c.breaker : backend.readGuard();
        return ((io.tidegate.gateway.resilience.BreakerReadGuard) guard).breakerStateListener();
    }

    /** The breaker guard, counting the outcomes recorded in it (successes and failures). Thread-safe. */
    private static final class CountingReadGuard implements ReadGuard {
        final io.tidegate.gateway.resilience.BreakerReadGuard breaker;
        final java.util.concurrent.atomic.AtomicLong recorded = new java.util.concurrent.atomic.AtomicLong();

        CountingReadGuard(io.tidegate.gateway.resilience.BreakerReadGuard breaker) {
            this.breaker = breaker;
        }

        @Override
        public boolean tryAcquire() {
            return breaker.tryAcquire();
        }

        @Override
        public void onSuccess(long tookNanos) {
            recorded.incrementAndGet();
            breaker.onSuccess(tookNanos);
        }

        @Override
        public void onFailure(long tookNanos, Throwable error) {
            recorded.incrementAndGet();
            breaker.onFailure(tookNanos, error);
        }

        @Override
        public void release() {
            breaker.release();
        }

        @Override
        public long backoffMillis(int failures) {
            return breaker.backoffMillis(failures);
        }

        @Override
        public <T> java.util.concurrent.CompletableFuture<T> timeLimited(
                java.util.concurrent.ScheduledExecutorService timer, java.util.concurrent.CompletableFuture<T> cycle) {
            return breaker.timeLimited(timer, cycle);
        }

        @Override
        public <T> java.util.concurrent.CompletableFuture<T> retryAck(java.util.concurrent.ScheduledExecutorService timer,
                java.util.function.Supplier<java.util.concurrent.CompletionStage<T>> ack) {
            return breaker.retryAck(timer, ack);
        }

        @Override
        public String breakerState() {
            return breaker.breakerState();
        }
    }
}
