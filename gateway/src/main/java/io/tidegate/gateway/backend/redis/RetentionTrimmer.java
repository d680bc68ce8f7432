package io.tidegate.gateway.backend.redis;

import io.lettuce.core.XTrimArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.time.Duration;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trims every topic's stream by age ({@code retention.max-age}): XTRIM MINID = now - max-age.
 * Length is trimmed on every append (XADD MAXLEN ~, see {@code append.lua}); Redis allows one
 * trim strategy per XADD, so age is trimmed here, periodically.
 *
 * <p>Unlike the per-append length trim this one is exact: approximate trimming only frees whole
 * stream nodes (100 entries by default), so a quiet topic whose one node still takes new entries
 * would keep its old ones forever. Exact trimming still frees whole nodes in O(1) each and only
 * edits the one node at the boundary, and it runs once per interval, not per append. Every
 * replica trims; the command is idempotent. Threading: {@link #trim()} runs on the backend's
 * timer and does not block.
 */
final class RetentionTrimmer {

    private static final Logger LOG = LoggerFactory.getLogger(RetentionTrimmer.class);

    private final RedisKeys keys;
    private final RedisClusterAsyncCommands<byte[], byte[]> control;
    private final TopicRegistry registry;
    private final Duration maxAge;

    RetentionTrimmer(RedisKeys keys, RedisClusterAsyncCommands<byte[], byte[]> control, TopicRegistry registry, Duration maxAge) {
        this.keys = keys;
        this.control = control;
        this.registry = registry;
        this.maxAge = maxAge;
    }

    /** How often to trim: a tenth of the max age, between 1 s and 1 min. */
    static Duration interval(Duration maxAge) {
        Duration tenth = maxAge.dividedBy(10);
        if (tenth.compareTo(Duration.ofSeconds(1)) < 0) {
            return Duration.ofSeconds(1);
        }
        return tenth.compareTo(Duration.ofMinutes(1)) > 0 ? Duration.ofMinutes(1) : tenth;
    }

    void trim() {
        String minId = (System.currentTimeMillis() - maxAge.toMillis()) + "-0";
        Set<String> topics = registry.snapshot();
        for (String topic : topics) {
            control.xtrim(keys.stream(topic), XTrimArgs.Builder.minId(minId).exactTrimming())
                    .whenComplete((removed, error) -> {
                        if (error != null) {
                            LOG.debug("trimming {} by age failed: {}", topic, error.toString());
                        }
                    });
        }
    }
}
