package io.tidegate.gateway.risk;

import com.google.protobuf.InvalidProtocolBufferException;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.SslOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.sync.RedisHashCommands;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.codec.ByteArrayCodec;
import io.tidegate.proto.v1.KillSwitch;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The kill switches of a gateway with the Redis backend: one hash, {@code <key-prefix>:risk:kills},
 * field = the kill's key, value = the {@code KillSwitch} message, shared by every replica on that
 * Redis. Its own connection, so that a kill is never queued behind stream traffic.
 *
 * <p>It connects on first use, not at construction, so a gateway started before its Redis is
 * reachable starts anyway: every call while unconnected tries to connect once and, failing, throws
 * (the poller of {@link KillSwitches} calls again on its next round, which is the retry). Once
 * connected Lettuce reconnects by itself; commands made while it is disconnected fail at once
 * rather than queue. Thread-safe (connecting is serialised; Lettuce's connection is); calls block
 * for a round trip, or a connect attempt, up to 2 s.
 */
final class RedisKillStore implements KillStore {

    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    private final Connector connector;
    private final byte[] key;
    private final Object connecting = new Object();
    private volatile Link link;
    private volatile boolean closed;

    /** An open connection and its synchronous hash commands. */
    private record Link(StatefulConnection<byte[], byte[]> connection, RedisHashCommands<byte[], byte[]> hash) {
    }

    /** Opens a connection, blocking up to {@link #TIMEOUT}. */
    private interface Connector extends AutoCloseable {
        Link connect();

        @Override
        void close();
    }

    /**
     * @param keyPrefix the backend's key prefix
     * @param cluster   whether {@code seeds} are Redis Cluster nodes
     * @param seeds     the backend's URIs with its login applied
     * @param ssl       the backend's TLS options, or null without TLS
     */
    RedisKillStore(String keyPrefix, boolean cluster, List<RedisURI> seeds, SslOptions ssl) {
        this.key = (keyPrefix + ":risk:kills").getBytes(StandardCharsets.UTF_8);
        SocketOptions socket = SocketOptions.builder().connectTimeout(TIMEOUT).build();
        if (cluster) {
            RedisClusterClient client = RedisClusterClient.create(seeds.stream().map(RedisKillStore::withTimeout).toList());
            ClusterClientOptions.Builder options = ClusterClientOptions.builder().socketOptions(socket)
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS);
            client.setOptions((ssl == null ? options : options.sslOptions(ssl)).build());
            this.connector = new Connector() {
                @Override
                public Link connect() {
                    var c = client.connect(ByteArrayCodec.INSTANCE);
                    return new Link(c, c.sync());
                }

                @Override
                public void close() {
                    client.shutdown();
                }
            };
        } else {
            RedisClient single = RedisClient.create(withTimeout(seeds.get(0)));
            ClientOptions.Builder options = ClientOptions.builder().socketOptions(socket)
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS);
            single.setOptions((ssl == null ? options : options.sslOptions(ssl)).build());
            this.connector = new Connector() {
                @Override
                public Link connect() {
                    var c = single.connect(ByteArrayCodec.INSTANCE);
                    return new Link(c, c.sync());
                }

                @Override
                public void close() {
                    single.shutdown();
                }
            };
        }
    }

    /**
     * The hash commands, connecting first when not connected yet.
     *
     * @throws io.lettuce.core.RedisConnectionException when Redis cannot be reached now
     */
    private RedisHashCommands<byte[], byte[]> hash() {
        Link l = link;
        if (l != null) {
            return l.hash();
        }
        synchronized (connecting) {
            if (link == null) {
                if (closed) {
                    throw new IllegalStateException("the kill store is closed");
                }
                link = connector.connect();
            }
            return link.hash();
        }
    }

    private static RedisURI withTimeout(RedisURI seed) {
        RedisURI uri = RedisURI.builder(seed).build();
        uri.setTimeout(TIMEOUT);
        return uri;
    }

    @Override
    public void put(String field, KillSwitch kill) {
        hash().hset(key, field.getBytes(StandardCharsets.UTF_8), kill.toByteArray());
    }

    @Override
    public boolean remove(String field) {
        return hash().hdel(key, field.getBytes(StandardCharsets.UTF_8)) > 0;
    }

    @Override
    public Map<String, KillSwitch> all() {
        Map<String, KillSwitch> kills = new HashMap<>();
        for (Map.Entry<byte[], byte[]> e : hash().hgetall(key).entrySet()) {
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
        synchronized (connecting) {
            closed = true;
            if (link != null) {
                link.connection().close();
            }
        }
        connector.close();
    }
}
