package io.tidegate.gateway.backend.redis;

import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Measures consumer lag per group: {@code XINFO GROUPS} on every known topic's stream, summing each
 * group's {@code lag} (entries not yet delivered to the group; Redis 7+, where Redis cannot tell
 * after deletions it counts as 0) over its topics. Runs on the backend's timer; readers get the
 * last snapshot. Every replica sees the same groups, so each reports the same lag. Thread-safe.
 */
final class ConsumerLagProbe {

    private final RedisKeys keys;
    private final RedisClusterAsyncCommands<byte[], byte[]> control;
    private final TopicRegistry registry;
    private volatile Map<String, Long> lag = Map.of();
    private volatile Map<String, Long> pending = Map.of();

    ConsumerLagProbe(RedisKeys keys, RedisClusterAsyncCommands<byte[], byte[]> control, TopicRegistry registry) {
        this.keys = keys;
        this.control = control;
        this.registry = registry;
    }

    /** The last measured lag per group. */
    Map<String, Long> lag() {
        return lag;
    }

    /** The last measured pending entries (delivered, not acked) per group. */
    Map<String, Long> pending() {
        return pending;
    }

    /** Measures again (asynchronously; the snapshot changes when every answer is in). */
    void measure() {
        List<CompletableFuture<List<Object>>> answers = new ArrayList<>();
        for (String topic : registry.snapshot()) {
            answers.add(control.xinfoGroups(keys.stream(topic)).toCompletableFuture()
                    .exceptionally(e -> List.of())); // a topic trimmed away or without groups
        }
        CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).thenRun(() -> {
            Map<String, Long> sums = new HashMap<>();
            Map<String, Long> pendingSums = new HashMap<>();
            for (CompletableFuture<List<Object>> answer : answers) {
                for (Object group : answer.join()) {
                    if (group instanceof List<?> fields) {
                        addGroup(fields, sums, pendingSums);
                    }
                }
            }
            lag = Map.copyOf(sums);
            pending = Map.copyOf(pendingSums);
        });
    }

    private static void addGroup(List<?> fields, Map<String, Long> sums, Map<String, Long> pendingSums) {
        String name = null;
        long groupLag = 0;
        long groupPending = 0;
        for (int i = 0; i + 1 < fields.size(); i += 2) {
            String field = text(fields.get(i));
            Object value = fields.get(i + 1);
            if ("name".equals(field)) {
                name = text(value);
            } else if ("lag".equals(field) && value instanceof Long l) {
                groupLag = l;
            } else if ("pending".equals(field) && value instanceof Long p) {
                groupPending = p;
            }
        }
        if (name != null) {
            sums.merge(name, groupLag, Long::sum);
            pendingSums.merge(name, groupPending, Long::sum);
        }
    }

    private static String text(Object o) {
        return o instanceof byte[] b ? RedisKeys.string(b) : String.valueOf(o);
    }
}
