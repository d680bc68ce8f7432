package io.tidegate.gateway.backend.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.tidegate.gateway.backend.BackendSubscription;
import io.tidegate.gateway.backend.Envelope;
import io.tidegate.gateway.backend.StartAt;
import io.tidegate.gateway.backend.SubscriptionSpec;
import io.tidegate.gateway.backend.redis.RedisBackendTest.Recorder;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.routing.TopicPattern;
import io.tidegate.testkit.RedisClusterExtension;
import io.tidegate.testkit.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
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
 * The shared readers on a three-master Redis Cluster: broadcast subscriptions and group members
 * are served by a few connections per shard however many there are (the readers wait for wake-ups on sharded
 * pub/sub, see {@link ShardWakes}), every subscription gets every message, a slow one does not
 * hold up the others, and a lost wake-up is made up for by the re-read every block time.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RedisClusterSharedReadersTest {

    @RegisterExtension
    static final RedisClusterExtension CLUSTER = new RedisClusterExtension();

    private static final Duration SOON = Duration.ofSeconds(20);
    /** The name of this test's own connections to the nodes, left out of the counts. */
    private static final String PROBE = "probe";

    private static final List<RedisClient> nodeClients = new ArrayList<>();
    private static final List<StatefulRedisConnection<byte[], byte[]>> nodes = new ArrayList<>();

    private final List<RedisBackend> backends = new ArrayList<>();
    private final List<BackendSubscription> subscriptions = new ArrayList<>();
    private String prefix;

    @BeforeAll
    static void connectToEachNode() {
        for (RedisServer node : CLUSTER.cluster().nodes()) {
            RedisClient client = RedisClient.create(RedisURI.builder(RedisURI.create(node.uri())).withClientName(PROBE)
                    .build());
            nodeClients.add(client);
            nodes.add(client.connect(ByteArrayCodec.INSTANCE));
        }
    }

    @AfterAll
    static void disconnect() {
        nodes.forEach(StatefulRedisConnection::close);
        nodeClients.forEach(RedisClient::shutdown);
        nodes.clear();
        nodeClients.clear();
    }

    @BeforeEach
    void nameThisTest() {
        prefix = "c" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    }

    @AfterEach
    void closeAll() {
        subscriptions.forEach(BackendSubscription::close);
        backends.forEach(RedisBackend::close);
    }

    @Test
    void twoHundredBroadcastSubscriptionsHoldAFewConnectionsPerShardAndEachGetsEveryMessage() {
        int baseline = clientsOnAllNodes();
        RedisBackend backend = start();
        int topicCount = 40;
        int perTopic = 5;
        List<String> topics = IntStream.range(0, topicCount).mapToObj(i -> prefix + ".t" + i).toList();
        List<Recorder> recorders = new ArrayList<>();
        for (int s = 0; s < 200; s++) {
            Recorder r = new Recorder();
            recorders.add(r);
            request(subscribe(backend, spec(topics.get(s % topicCount), StartAt.EARLIEST), r), r, 1000);
        }
        appendRound(backend, topics, 0, perTopic);
        eventually().until(() -> recorders.stream().allMatch(r -> r.size() == perTopic));
        // the second round reaches subscriptions waiting at the head: through the wake-ups
        appendRound(backend, topics, perTopic, perTopic);
        eventually().until(() -> recorders.stream().allMatch(r -> r.size() == 2 * perTopic));

        for (int s = 0; s < recorders.size(); s++) {
            String topic = topics.get(s % topicCount);
            assertThat(recorders.get(s).ids()).as("subscription %d on %s", s, topic).containsExactlyElementsOf(
                    IntStream.range(0, 2 * perTopic).mapToObj(i -> topic + "#" + i).toList());
        }
        int held = clientsOnAllNodes() - baseline;
        System.out.printf("200 broadcast subscriptions on %d topics, 3 masters: %d Redis connections%n", topicCount, held);
        assertThat(held).as("the gateway's connections on all three nodes").isBetween(1, 30);
    }

    /**
     * Pooled group reads on a cluster: a hundred members of one group, each on ten topics spread
     * over the three masters, read with one non-blocking XREADGROUP per slot on the shared
     * connection and park with the shared readers; no entry is lost or handed out twice.
     */
    @Test
    void aHundredGroupMembersOnTenTopicsHoldAFewConnectionsPerShardAndTogetherGetEveryEntryOnce() {
        int baseline = clientsOnAllNodes();
        RedisBackend backend = start();
        List<String> topics = IntStream.range(0, 10).mapToObj(i -> prefix + ".g." + i).toList();
        List<Recorder> recorders = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            Recorder r = new Recorder();
            recorders.add(r);
            request(subscribe(backend, new SubscriptionSpec(prefix + "-sub" + subscriptions.size(),
                    List.of(TopicPattern.compile(prefix + ".g.*", 255)), prefix + "workers", "member-" + i,
                    StartAt.EARLIEST, Duration.ofSeconds(60)), r), r, 1000);
        }
        appendRound(backend, topics, 0, 20);
        eventually().until(() -> recorders.stream().mapToInt(Recorder::size).sum() == 200);
        // the second round reaches members parked at the head: through the wake-ups
        appendRound(backend, topics, 20, 20);
        eventually().until(() -> recorders.stream().mapToInt(Recorder::size).sum() == 400);

        List<String> received = recorders.stream().flatMap(r -> r.ids().stream()).toList();
        assertThat(received).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(topics.stream()
                .flatMap(t -> IntStream.range(0, 40).mapToObj(i -> t + "#" + i)).toList());
        int held = clientsOnAllNodes() - baseline;
        System.out.printf("100 group members on %d topics, 3 masters: %d Redis connections%n", topics.size(), held);
        assertThat(held).as("the gateway's connections on all three nodes").isBetween(1, 30);
    }

    @Test
    void aWakeUpReadsOnlyItsTopicNotEveryTopicTheReaderFollows() {
        // A long block time keeps the periodic re-read of every topic out of the count.
        RedisBackend backend = start("backend.redis.block-timeout=30s");
        List<String> topics = IntStream.range(0, 40).mapToObj(i -> prefix + ".w" + i).toList();
        List<Recorder> recorders = new ArrayList<>();
        for (String t : topics) {
            Recorder r = new Recorder();
            recorders.add(r);
            request(subscribe(backend, spec(t, StartAt.EARLIEST), r), r, 1000);
        }
        appendRound(backend, topics, 0, 1);
        eventually().until(() -> recorders.stream().allMatch(r -> r.size() == 1));
        eventually().until(() -> backend.sharedTopicsInDemand() == topics.size());

        long before = xreadCalls();
        String busy = topics.get(7);
        for (int i = 1; i <= 20; i++) {
            backend.append(List.of(envelope(busy, busy + "#" + i))).join();
            int expected = i + 1;
            eventually().until(() -> recorders.get(7).size() == expected);
        }
        long calls = xreadCalls() - before;
        System.out.printf("20 appends to 1 of 40 followed topics: %d XREAD calls%n", calls);
        // about two per append (the woken read and the next one, which finds nothing), not one per topic or slot
        assertThat(calls).isLessThanOrEqualTo(20 * 3);
    }

    @Test
    void aSlowSubscriberCatchesUpWithoutHoldingUpTheOthers() {
        RedisBackend backend = start();
        String topic = prefix + ".ticks";
        List<Recorder> fast = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Recorder r = new Recorder();
            fast.add(r);
            request(subscribe(backend, spec(topic, StartAt.EARLIEST), r), r, 1000);
        }
        Recorder slow = new Recorder();
        BackendSubscription slowSub = request(subscribe(backend, spec(topic, StartAt.EARLIEST), slow), slow, 5);
        for (int round = 0; round < 20; round++) {
            List<Envelope> batch = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                batch.add(envelope(topic, topic + "#" + (round * 10 + i)));
            }
            backend.append(batch).join();
        }
        List<String> all = IntStream.range(0, 200).mapToObj(i -> topic + "#" + i).toList();

        eventually().until(() -> fast.stream().allMatch(r -> r.size() == 200));
        fast.forEach(r -> assertThat(r.ids()).containsExactlyElementsOf(all));
        assertThat(slow.ids()).containsExactlyElementsOf(all.subList(0, 5));

        request(slowSub, slow, 195);
        eventually().until(() -> slow.size() == 200);
        assertThat(slow.ids()).containsExactlyElementsOf(all);
    }

    @Test
    void aTopicWhoseWakeUpWasLostIsStillDeliveredWithinTheBlockTime() throws Exception {
        Duration block = Duration.ofSeconds(2);
        RedisBackend backend = start("backend.redis.block-timeout=" + block.toMillis() + "ms");
        String topic = prefix + ".quiet";
        // Two subscriptions: their waits time out and park again, which ends the reader's wait
        // early but reads nothing (no topic is due); only the re-read every block time reads.
        Recorder a = new Recorder();
        request(subscribe(backend, spec(topic, StartAt.EARLIEST), a), a, 1000);
        backend.append(List.of(envelope(topic, "first"))).join();
        eventually().until(() -> a.size() == 1);
        Thread.sleep(block.toMillis() / 2);
        Recorder b = new Recorder();
        request(subscribe(backend, spec(topic, StartAt.EARLIEST), b), b, 1000);
        eventually().until(() -> b.size() == 1);
        Thread.sleep(block.toMillis() + 200); // the reader now waits for a wake-up without reading first

        // An entry appended without append.lua comes with no wake-up at all.
        Envelope silent = envelope(topic, "silent");
        byte[] key = new RedisKeys(prefix).stream(topic);
        long appended = System.nanoTime();
        for (StatefulRedisConnection<byte[], byte[]> node : nodes) {
            if (node.sync().clusterCountKeysInSlot(io.lettuce.core.cluster.SlotHash.getSlot(key)) > 0) {
                node.sync().xadd(key, "msg".getBytes(), silent.message().toByteArray(), "at".getBytes(),
                        StreamEntryCodec.acceptedNanos(silent.acceptedNanos()));
            }
        }
        eventually().until(() -> a.size() == 2 && b.size() == 2);
        long tookMillis = (System.nanoTime() - appended) / 1_000_000;
        assertThat(tookMillis).as("delivered by the re-read").isLessThanOrEqualTo(block.toMillis() + 1_000);

        // A killed pub/sub link: the wake-up of an append meanwhile may be lost, the entry is not.
        int killed = 0;
        for (StatefulRedisConnection<byte[], byte[]> node : nodes) {
            for (String client : clients(node)) {
                if (client.contains(" ssub=1 ") || client.contains("cmd=ssubscribe")) {
                    node.sync().clientKill(io.lettuce.core.KillArgs.Builder.id(clientId(client)));
                    killed++;
                }
            }
        }
        assertThat(killed).as("the sharded pub/sub link to the topic's node").isEqualTo(1);
        backend.append(List.of(envelope(topic, "after-kill"))).join();
        await().atMost(block.plusSeconds(2)).pollInterval(Duration.ofMillis(10)).until(() -> a.size() == 3 && b.size() == 3);
        assertThat(a.ids()).containsExactly("first", "silent", "after-kill");
        assertThat(b.ids()).containsExactly("first", "silent", "after-kill");
    }

    private void appendRound(RedisBackend backend, List<String> topics, int from, int n) {
        for (String t : topics) {
            List<Envelope> batch = new ArrayList<>();
            for (int i = from; i < from + n; i++) {
                batch.add(envelope(t, t + "#" + i));
            }
            backend.append(batch).join();
        }
    }

    private static long xreadCalls() {
        long calls = 0;
        for (StatefulRedisConnection<byte[], byte[]> node : nodes) {
            for (String line : node.sync().info("commandstats").split("\r?\n")) {
                if (line.startsWith("cmdstat_xread:calls=")) {
                    calls += Long.parseLong(line.substring("cmdstat_xread:calls=".length(), line.indexOf(',')));
                }
            }
        }
        return calls;
    }

    /** Clients on every node except this test's own (the cluster bus is not a client). */
    private static int clientsOnAllNodes() {
        int n = 0;
        for (StatefulRedisConnection<byte[], byte[]> node : nodes) {
            n += (int) clients(node).stream().filter(c -> !c.contains(" name=" + PROBE + " ")).count();
        }
        return n;
    }

    private static List<String> clients(StatefulRedisConnection<byte[], byte[]> node) {
        return Arrays.asList(node.sync().clientList().split("\r?\n"));
    }

    private static long clientId(String clientLine) {
        String id = clientLine.substring(clientLine.indexOf("id=") + 3);
        return Long.parseLong(id.substring(0, id.indexOf(' ')));
    }

    private RedisBackend start(String... overrides) {
        List<String> all = new ArrayList<>(List.of("backend.type=redis", "backend.redis.cluster-nodes=" + CLUSTER.seeds(),
                "backend.redis.key-prefix=" + prefix, "gateway-id=gw-" + prefix, "backend.redis.block-timeout=500ms"));
        all.addAll(Arrays.asList(overrides));
        RedisBackend backend = ConfiguredRedisBackend.open(GatewayConfig.defaultsWith(all.toArray(String[]::new)));
        backends.add(backend);
        return backend;
    }

    private BackendSubscription subscribe(RedisBackend backend, SubscriptionSpec spec, Recorder recorder) {
        BackendSubscription s = backend.subscribe(spec, recorder);
        subscriptions.add(s);
        return s;
    }

    private static BackendSubscription request(BackendSubscription s, Recorder recorder, int n) {
        recorder.requested.addAndGet(n);
        s.request(n);
        return s;
    }

    private SubscriptionSpec spec(String topic, StartAt start) {
        return new SubscriptionSpec(prefix + "-sub" + subscriptions.size(), List.of(TopicPattern.compile(topic, 255)),
                null, null, start, null);
    }

    private static Envelope envelope(String topic, String id) {
        return RedisBackendTest.envelope(topic, id, 16);
    }

    private static ConditionFactory eventually() {
        return await().atMost(SOON).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(20));
    }
}
