package io.tidegate.gateway.backend.redis;

import io.tidegate.testkit.RedisServerExtension;
import io.tidegate.gateway.backend.Backend;
import io.tidegate.gateway.backend.BackendContractTest;
import io.tidegate.gateway.backend.StartAt;
import io.tidegate.gateway.backend.SubscriptionSpec;
import io.tidegate.gateway.routing.TopicPattern;
import io.tidegate.gateway.config.GatewayConfig;
import java.util.ArrayList;
import io.lettuce.core.Limit;
import io.lettuce.core.models.stream.PendingMessage;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.sync.RedisCommands;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The shared backend contract, run against a real redis-server started for this class, plus what
 * only a shared server can show: strict key order across backends (gateway replicas).
 */
class RedisBackendContractTest extends BackendContractTest {

    @RegisterExtension
    static final RedisServerExtension REDIS = new RedisServerExtension();

    @Override
    protected Backend newBackend(GatewayConfig config) {
        return ConfiguredRedisBackend.open(config);
    }

    @Test
    void strictOrderHoldsAcrossMembersOnTwoReplicas() throws Exception {
        Backend first = start();
        Backend second = startAnother();
        strictOrderRun(List.of(first, second, first, second));
    }

    /**
     * A LATEST start on one replica must cover an append made through another as soon as the
     * subscription counts as started; before {@code started()} existed the fence could reach
     * Redis after such an append, and a group created there skipped it. Many short rounds, each
     * on a fresh topic, because one round hits the window only sometimes.
     */
    @Test
    void latestStartOnOneReplicaCoversAppendsThroughAnotherOnceStarted() {
        Backend writer = start();
        Backend reader = startAnother();
        for (int round = 0; round < 30; round++) {
            String t = topic("round" + round);
            Reader plain = subscribe(reader, new SubscriptionSpec(prefix + "-b" + round,
                    List.of(TopicPattern.compile(t, 256)), null, null, StartAt.LATEST, null), "broadcast " + t);
            Reader member = subscribe(reader, new SubscriptionSpec(prefix + "-g" + round,
                    List.of(TopicPattern.compile(t, 256)), group("g" + round), "m", StartAt.LATEST, null), "member " + t);
            plain.request(10);
            member.request(10);
            writer.append(List.of(msg(t, "first"))).join();
            eventually().until(() -> plain.ids().equals(List.of("first")) && member.ids().equals(List.of("first")));
        }
    }

    /** Dumps the lease hash, the waiting and ready lists and the pending entries of a strict group. */
    @Override
    protected String describeStrictState(String topic, String group) {
        RedisClient client = RedisClient.create(REDIS.uri());
        try (var connection = client.connect()) {
            RedisCommands<String, String> redis = connection.sync();
            RedisKeys keys = new RedisKeys(config.backend().redis().keyPrefix());
            String stream = keys.streamName(topic);
            StringBuilder out = new StringBuilder();
            out.append("leases: ").append(new TreeMap<>(redis.hgetall(RedisKeys.string(keys.keyLeases(topic, group))))).append('\n');
            Set<String> lists = new TreeSet<>(redis.keys(RedisKeys.string(keys.keyWaitingPrefix(topic, group)) + "*"));
            lists.addAll(redis.keys(RedisKeys.string(keys.keyReadyPrefix(topic, group)) + "*"));
            for (String list : lists) {
                out.append(list).append(": ").append(redis.lrange(list, 0, -1)).append('\n');
            }
            for (PendingMessage p : redis.xpending(stream, group, Range.create("-", "+"),
                    Limit.from(1000))) {
                List<StreamMessage<String, String>> entry = redis.xrange(stream, Range.create(p.getId(), p.getId()));
                out.append("pending ").append(p.getId()).append(' ').append(p.getConsumer()).append(" idle=")
                        .append(p.getMsSinceLastDelivery()).append(" count=").append(p.getRedeliveryCount())
                        .append(entry.isEmpty() ? " (trimmed)" : "").append('\n');
            }
            out.append("consumers: ").append(redis.xinfoConsumers(stream, group)).append('\n');
            return out.toString();
        } finally {
            client.shutdown();
        }
    }

    @Override
    protected List<String> baseOverrides() {
        List<String> overrides = new ArrayList<>(super.baseOverrides());
        overrides.add("backend.type=redis");
        overrides.add("backend.redis.uri=" + REDIS.uri());
        return overrides;
    }
}
