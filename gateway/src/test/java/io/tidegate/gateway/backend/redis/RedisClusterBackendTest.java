package io.tidegate.gateway.backend.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.tidegate.gateway.backend.AppendResult;
import io.tidegate.gateway.backend.BackendSubscription;
import io.tidegate.gateway.backend.DeadLetter;
import io.tidegate.gateway.backend.Envelope;
import io.tidegate.gateway.backend.StartAt;
import io.tidegate.gateway.backend.StoredMessage;
import io.tidegate.gateway.backend.SubscriptionSpec;
import io.tidegate.gateway.backend.redis.RedisBackendTest.Recorder;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.routing.TopicPattern;
import io.tidegate.testkit.RedisClusterExtension;
import io.tidegate.testkit.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
 * The Redis backend on a local three-master Redis Cluster, with topics chosen so that each lands
 * on a different node: every key of a topic sits on its topic's node, and publishing, broadcast,
 * groups, reclaim, dead-lettering and pattern discovery work across the shards. The whole
 * backend contract also runs on the cluster ({@link RedisClusterBackendContractTest}).
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class RedisClusterBackendTest {

    @RegisterExtension
    static final RedisClusterExtension CLUSTER = new RedisClusterExtension();

    private static final Duration SOON = Duration.ofSeconds(10);

    private static RedisClusterClient inspectClient;
    private static StatefulRedisClusterConnection<String, String> inspectConnection;
    /** Direct connections to each node, by "host:port", to see where keys really are. */
    private static final Map<String, RedisClient> nodeClients = new LinkedHashMap<>();
    private static final Map<String, StatefulRedisConnection<String, String>> nodeConnections = new LinkedHashMap<>();

    private final List<RedisBackend> backends = new ArrayList<>();
    private final List<BackendSubscription> subscriptions = new ArrayList<>();
    private String prefix;

    @BeforeAll
    static void connectInspector() {
        inspectClient = RedisClusterClient.create(Arrays.stream(CLUSTER.seeds().split(",")).map(io.lettuce.core.RedisURI::create)
                .toList());
        inspectConnection = inspectClient.connect();
        for (RedisServer node : CLUSTER.cluster().nodes()) {
            RedisClient client = RedisClient.create(node.uri());
            nodeClients.put("127.0.0.1:" + node.port(), client);
            nodeConnections.put("127.0.0.1:" + node.port(), client.connect());
        }
    }

    @AfterAll
    static void closeInspector() {
        nodeConnections.values().forEach(StatefulRedisConnection::close);
        nodeClients.values().forEach(RedisClient::shutdown);
        nodeConnections.clear();
        nodeClients.clear();
        inspectConnection.close();
        inspectClient.shutdown();
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
    void everyKeyOfATopicLivesOnTheNodeOfItsSlot() {
        RedisBackend backend = start();
        Map<String, String> topics = oneTopicPerNode("orders");
        for (String topic : topics.keySet()) {
            backend.append(List.of(envelope(topic, "id-1"))).join();
        }

        for (Map.Entry<String, String> e : topics.entrySet()) {
            String stream = RedisKeys.string(keys().stream(e.getKey()));
            String dedup = RedisKeys.string(keys().dedupBuckets(e.getKey())) + ":";
            for (Map.Entry<String, StatefulRedisConnection<String, String>> node : nodeConnections.entrySet()) {
                // KEYS lists only the node's own keys (EXISTS would answer MOVED for another node's slot).
                List<String> local = node.getValue().sync().keys(prefix + ":*");
                boolean dedupHere = local.stream().anyMatch(k -> k.startsWith(dedup));
                if (node.getKey().equals(e.getValue())) {
                    assertThat(local).as("keys on %s", node.getKey()).contains(stream);
                    assertThat(dedupHere).as("a dedup bucket on %s", node.getKey()).isTrue();
                } else {
                    assertThat(local).as("keys on %s", node.getKey()).doesNotContain(stream);
                    assertThat(dedupHere).as("a dedup bucket on %s", node.getKey()).isFalse();
                }
            }
        }
        assertThat(inspectConnection.sync().smembers(prefix + ":topics")).containsExactlyInAnyOrderElementsOf(topics.keySet());
    }

    @Test
    void broadcastAndGroupMembersGetEveryShardsMessagesInOrder() {
        RedisBackend backend = start();
        Map<String, String> topics = oneTopicPerNode("quotes");
        Recorder broadcast = new Recorder();
        request(subscribe(backend, broadcastSpec(prefix + ".quotes.*", StartAt.LATEST), broadcast), broadcast, 1000);
        Recorder a = new Recorder();
        Recorder b = new Recorder();
        BackendSubscription subA = subscribe(backend, groupSpec(prefix + ".quotes.*", "g", "a", Duration.ofSeconds(30)), a);
        BackendSubscription subB = subscribe(backend, groupSpec(prefix + ".quotes.*", "g", "b", Duration.ofSeconds(30)), b);
        request(subA, a, 1000);
        request(subB, b, 1000);

        List<Envelope> batch = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            for (String t : topics.keySet()) {
                batch.add(envelope(t, t + "#" + i));
            }
        }
        List<AppendResult> results = backend.append(batch).join();
        assertThat(results).hasSize(150).noneMatch(AppendResult::duplicate);

        eventually().until(() -> broadcast.size() == 150 && a.size() + b.size() == 150);
        for (String t : topics.keySet()) {
            List<String> inOrder = IntStream.range(0, 50).mapToObj(i -> t + "#" + i).toList();
            assertThat(broadcast.idsOf(t)).as("broadcast order within %s", t).containsExactlyElementsOf(inOrder);
        }
        List<String> shared = new ArrayList<>(a.ids());
        shared.addAll(b.ids());
        assertThat(shared).as("each message to exactly one member").doesNotHaveDuplicates().hasSize(150);
        assertThat(broadcast.maxInFlightViolation || a.maxInFlightViolation || b.maxInFlightViolation).isFalse();

        subA.ack(a.received.stream().map(StoredMessage::position).toList());
        subB.ack(b.received.stream().map(StoredMessage::position).toList());
        for (String t : topics.keySet()) {
            eventually().until(() -> inspectConnection.sync().xpending(RedisKeys.string(keys().stream(t)), prefix + "g")
                    .getCount() == 0);
        }
    }

    @Test
    void withoutSharedReadersEachSubscriptionReadsEveryShardOnItsOwnConnectionToThatNode() {
        RedisBackend backend = start("backend.redis.shared-readers=0");
        Map<String, String> topics = oneTopicPerNode("spread");
        for (String topic : topics.keySet()) {
            backend.append(List.of(envelope(topic, "x"))).join();
        }
        Recorder r = new Recorder();
        request(subscribe(backend, broadcastSpec(prefix + ".spread.*", StartAt.EARLIEST), r), r, 10);
        eventually().until(() -> r.size() == 3);

        for (StatefulRedisConnection<String, String> node : nodeConnections.values()) {
            eventually().until(() -> readersOf(node).size() == 1);
        }
    }

    @Test
    void reclaimMovesAClosedMembersEntriesOnEveryShardToTheRemainingMember() {
        RedisBackend backend = start("backend.redis.reclaim-interval=50ms");
        Map<String, String> topics = oneTopicPerNode("jobs");
        String pattern = prefix + ".jobs.*";
        Recorder leaving = new Recorder();
        BackendSubscription leavingSub = subscribe(backend, groupSpec(pattern, "g", "leaving", Duration.ofMillis(400)),
                leaving);
        request(leavingSub, leaving, 100);
        for (String t : topics.keySet()) {
            backend.append(List.of(envelope(t, t + "#job"))).join();
        }
        eventually().until(() -> leaving.size() == 3);
        leavingSub.close();

        Recorder staying = new Recorder();
        BackendSubscription stayingSub = subscribe(backend, groupSpec(pattern, "g", "staying", Duration.ofMillis(400)),
                staying);
        request(stayingSub, staying, 100);
        eventually().until(() -> staying.size() == 3);
        assertThat(staying.ids()).containsExactlyInAnyOrderElementsOf(topics.keySet().stream().map(t -> t + "#job").toList());
        assertThat(staying.received).allSatisfy(m -> assertThat(m.deliveryCount()).isEqualTo(2));
    }

    @Test
    void deadLetterOfATopicOnOneShardIsAppendedWhereverItsOwnSlotIs() {
        RedisBackend backend = start("delivery.max-deliveries=2", "backend.redis.reclaim-interval=50ms");
        Map<String, String> topics = oneTopicPerNode("poison");
        Recorder member = new Recorder();
        BackendSubscription sub = subscribe(backend, groupSpec(prefix + ".poison.*", "g", "m1", Duration.ofSeconds(30)),
                member);
        member.onEach = m -> sub.nack(List.of(m.position()), Duration.ZERO);
        request(sub, member, 100);
        for (String t : topics.keySet()) {
            backend.append(List.of(envelope(t, t + "#bad"))).join();
        }

        for (String t : topics.keySet()) {
            String dlqTopic = DeadLetter.topicFor(prefix + "g", t);
            eventually().until(() -> inspectConnection.sync().xlen(RedisKeys.string(keys().stream(dlqTopic))) == 1);
            eventually().until(() -> inspectConnection.sync().xpending(RedisKeys.string(keys().stream(t)), prefix + "g")
                    .getCount() == 0);
        }
        assertThat(member.received).hasSize(6);
    }

    @Test
    void patternReaderBlockedOnOneShardSeesATopicCreatedLaterOnAnotherShard() {
        // A long block time: only a CLIENT UNBLOCK that reaches the right node ends the read in time.
        // Readers of their own (shared-readers = 0): the shared readers' case is in RedisClusterSharedReadersTest.
        RedisBackend backend = start("backend.redis.block-timeout=30s", "backend.redis.shared-readers=0");
        Map<String, String> topics = oneTopicPerNode("news");
        List<String> names = new ArrayList<>(topics.keySet());
        String existing = names.get(0);
        String later = names.get(1);
        assertThat(topics.get(existing)).isNotEqualTo(topics.get(later));
        backend.append(List.of(envelope(existing, "old"))).join();
        Recorder broadcast = new Recorder();
        request(subscribe(backend, broadcastSpec(prefix + ".news.*", StartAt.LATEST), broadcast), broadcast, 100);
        Recorder member = new Recorder();
        request(subscribe(backend, groupSpec(prefix + ".news.*", "g", "m1", Duration.ofSeconds(30)), member), member, 100);
        StatefulRedisConnection<String, String> existingNode = nodeConnections.get(topics.get(existing));
        eventually().until(() -> readersOf(existingNode).stream().filter(c -> c.contains("cmd=xread")).count() == 2);

        backend.append(List.of(envelope(later, "new"))).join();

        eventually().until(() -> broadcast.ids().contains("new") && member.ids().contains("new"));
        assertThat(broadcast.ids()).containsExactly("new");
        assertThat(member.ids()).containsExactly("new");
    }

    @Test
    void writerAndReadersFollowATopicWhoseSlotMovesToAnotherNode() {
        RedisBackend backend = start();
        Map<String, String> topics = oneTopicPerNode("moving");
        List<String> names = new ArrayList<>(topics.keySet());
        String topic = names.get(0);
        String from = topics.get(topic);
        String to = topics.get(names.get(1));
        Recorder broadcast = new Recorder();
        request(subscribe(backend, broadcastSpec(topic, StartAt.LATEST), broadcast), broadcast, 1000);
        Recorder member = new Recorder();
        request(subscribe(backend, groupSpec(topic, "g", "m1", Duration.ofSeconds(30)), member), member, 1000);
        backend.append(List.of(envelope(topic, "before"))).join();
        eventually().until(() -> broadcast.ids().contains("before") && member.ids().contains("before"));

        moveSlot(SlotHash.getSlot(keys().stream(topic)), from, to);

        // The writer follows the MOVED redirect; a batch that meets the move may fail and is retried.
        AtomicInteger attempt = new AtomicInteger();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                .until(() -> backend.append(List.of(envelope(topic, "after" + attempt.incrementAndGet())))
                        .get(5, TimeUnit.SECONDS).size() == 1);
        String last = "after" + attempt.get();
        await().atMost(Duration.ofSeconds(30)).until(() -> broadcast.ids().contains(last) && member.ids().contains(last));
        assertThat(nodeConnections.get(to).sync().keys(prefix + ":*")).contains(RedisKeys.string(keys().stream(topic)));
        assertThat(broadcast.ids()).as("nothing twice, nothing out of order").startsWith("before").doesNotHaveDuplicates();
    }

    // ================================================================== fixtures

    private RedisBackend start(String... overrides) {
        List<String> all = new ArrayList<>(List.of("backend.type=redis", "backend.redis.cluster-nodes=" + CLUSTER.seeds(),
                "backend.redis.key-prefix=" + prefix, "gateway-id=gw-" + prefix, "backend.redis.block-timeout=100ms"));
        all.addAll(Arrays.asList(overrides));
        RedisBackend backend = ConfiguredRedisBackend.open(GatewayConfig.defaultsWith(all.toArray(String[]::new)));
        backends.add(backend);
        return backend;
    }

    private RedisKeys keys() {
        return new RedisKeys(prefix);
    }

    /** Topics {@code <prefix>.<name>.<n>}, the first whose stream lands on each node; topic to "host:port". */
    private Map<String, String> oneTopicPerNode(String name) {
        Map<String, String> byNode = new LinkedHashMap<>();
        for (int n = 0; byNode.size() < nodeConnections.size(); n++) {
            String topic = prefix + "." + name + "." + n;
            int slot = SlotHash.getSlot(keys().stream(topic));
            var owner = inspectConnection.getPartitions().getMasterBySlot(slot).getUri();
            byNode.putIfAbsent(owner.getHost() + ":" + owner.getPort(), topic);
        }
        Map<String, String> topics = new LinkedHashMap<>();
        byNode.forEach((node, topic) -> topics.put(topic, node));
        return topics;
    }

    /** Moves one slot with its keys from one node to another, as {@code redis-cli --cluster reshard} does. */
    private static void moveSlot(int slot, String from, String to) {
        RedisCommands<String, String> source = nodeConnections.get(from).sync();
        RedisCommands<String, String> target = nodeConnections.get(to).sync();
        String sourceId = source.clusterMyId();
        String targetId = target.clusterMyId();
        target.clusterSetSlotImporting(slot, sourceId);
        source.clusterSetSlotMigrating(slot, targetId);
        int targetPort = Integer.parseInt(to.substring(to.indexOf(':') + 1));
        for (List<String> keys = source.clusterGetKeysInSlot(slot, 100); !keys.isEmpty();
                keys = source.clusterGetKeysInSlot(slot, 100)) {
            source.migrate("127.0.0.1", targetPort, 0, 5_000, io.lettuce.core.MigrateArgs.Builder.keys(keys));
        }
        nodeConnections.values().forEach(node -> node.sync().clusterSetSlotNode(slot, targetId));
        inspectClient.refreshPartitions();
    }

    /** CLIENT LIST lines of this test's reader connections on one node. */
    private List<String> readersOf(StatefulRedisConnection<String, String> node) {
        RedisCommands<String, String> sync = node.sync();
        return Arrays.stream(sync.clientList().split("\r?\n"))
                .filter(c -> c.contains("name=tidegate:gw-" + prefix + ":read:"))
                .toList();
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

    private SubscriptionSpec broadcastSpec(String pattern, StartAt start) {
        return new SubscriptionSpec(prefix + "-sub" + subscriptions.size(), List.of(TopicPattern.compile(pattern, 255)),
                null, null, start, null);
    }

    private SubscriptionSpec groupSpec(String pattern, String group, String consumer, Duration deadline) {
        return new SubscriptionSpec(prefix + "-sub" + subscriptions.size(), List.of(TopicPattern.compile(pattern, 255)),
                prefix + group, consumer, StartAt.LATEST, deadline);
    }

    private static Envelope envelope(String topic, String id) {
        return RedisBackendTest.envelope(topic, id, 16);
    }

    private static ConditionFactory eventually() {
        return await().atMost(SOON).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10));
    }
}
