package io.tidegate.gateway.risk;

import com.google.protobuf.InvalidProtocolBufferException;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.sync.RedisHashCommands;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.codec.ByteArrayCodec;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.proto.v1.KillSwitch;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The kill switches of a gateway with the Redis backend: one hash, {@code <key-prefix>:risk:kills},
 * field = the kill's key, value = the {@code KillSwitch} message, shared by every replica on that
 * Redis. Its own connection, so that a kill is never queued behind stream traffic. Thread-safe
 * (Lettuce's connection is); calls block for a round trip, up to 2 s.
 */
final class RedisKillStore implements KillStore {

    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    private final AutoCloseable client;
    private final StatefulConnection<byte[], byte[]> connection;
    private final RedisHashCommands<byte[], byte[]> hash;
    private final byte[] key;

    /** @throws IllegalArgumentException when the URI does not parse */
    RedisKillStore(GatewayConfig.Redis redis) {
        this.key = (redis.keyPrefix() + ":risk:kills").getBytes(StandardCharsets.UTF_8);
        if (redis.isCluster()) {
            RedisClusterClient cluster = RedisClusterClient.create(redis.clusterNodes().stream()
                    .map(RedisKillStore::uri).toList());
            var c = cluster.connect(ByteArrayCodec.INSTANCE);
            this.client = cluster::shutdown;
            this.connection = c;
            this.hash = c.sync();
        } else {
            RedisClient single = RedisClient.create(uri(redis.uri()));
            var c = single.connect(ByteArrayCodec.INSTANCE);
            this.client = single::shutdown;
            this.connection = c;
            this.hash = c.sync();
        }
    }

    private static RedisURI uri(String text) {
        RedisURI uri = RedisURI.create(text);
        uri.setTimeout(TIMEOUT);
        return uri;
    }

    @Override
    public void put(String field, KillSwitch kill) {
        hash.hset(key, field.getBytes(StandardCharsets.UTF_8), kill.toByteArray());
    }

    @Override
    public boolean remove(String field) {
        return hash.hdel(key, field.getBytes(StandardCharsets.UTF_8)) > 0;
    }

    @Override
    public Map<String, KillSwitch> all() {
        Map<String, KillSwitch> kills = new HashMap<>();
        for (Map.Entry<byte[], byte[]> e : hash.hgetall(key).entrySet()) {
            try {
                kills.put(new String(e.getKey(), StandardCharsets.UTF_8), KillSwitch.parseFrom(e.getValue()));
            } catch (InvalidProtocolBufferException bad) {
                // written by something else: a kill still, of what its field names, with no detail
                kills.put(new String(e.getKey(), StandardCharsets.UTF_8), KillSwitch.newBuilder()
                        .setReason("unreadable entry in Redis").build());
            }
        }
        return kills;
    }

    @Override
    public boolean shared() {
        return true;
    }

    @Override
    public void close() {
        connection.close();
        try {
            client.close();
        } catch (Exception e) {
            // closing: nothing left to do with it
        }
    }
}
