package io.tidegate.gateway.backend.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.protocol.RedisCommand;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Opens the backend's Redis connections. All share one set of Netty event loops. Two kinds:
 * <ul>
 *   <li>shared connections (writer, control, pub/sub) reconnect by themselves;</li>
 *   <li>reader connections, one per subscription, do not: a subscription notices the loss on its
 *       next read and opens a fresh one, so it always knows its connection's CLIENT ID (needed to
 *       wake it with CLIENT UNBLOCK).</li>
 * </ul>
 * Both reject commands while disconnected instead of queueing them without bound, so a Redis
 * outage fails appends fast and the gateway's circuit breaker can take over. Every command has a
 * timeout; blocking reads get theirs on top of the block time. Thread-safe.
 */
final class RedisConnector implements AutoCloseable {

    /** How long a non-blocking command may take before it fails; Redis answers in microseconds. */
    static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(5);
    /** Longest pause between reconnect attempts of the shared connections (jittered, growing to this). */
    static final Duration MAX_RECONNECT_DELAY = Duration.ofSeconds(1);

    private final RedisURI uri;
    private final ClientResources resources;
    private final RedisClient sharedClient;
    private final RedisClient readerClient;

    RedisConnector(String uri, Duration blockTimeout) {
        this.uri = RedisURI.create(uri);
        // Lettuce's default waits up to 30 s between reconnect attempts, so after a long outage
        // the writer and the ack connection would come back long after Redis did.
        this.resources = DefaultClientResources.builder()
                .reconnectDelay(Delay.equalJitter(Duration.ZERO, MAX_RECONNECT_DELAY, 100, TimeUnit.MILLISECONDS))
                .build();
        TimeoutOptions timeouts = TimeoutOptions.builder().timeoutSource(new BlockAwareTimeouts(blockTimeout)).build();
        SocketOptions socket = SocketOptions.builder()
                .connectTimeout(COMMAND_TIMEOUT)
                .keepAlive(true)
                .build();
        this.sharedClient = RedisClient.create(resources, this.uri);
        sharedClient.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(timeouts)
                .socketOptions(socket)
                .build());
        this.readerClient = RedisClient.create(resources, this.uri);
        readerClient.setOptions(ClientOptions.builder()
                .autoReconnect(false)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(timeouts)
                .socketOptions(socket)
                .build());
    }

    /** Connects a shared, self-reconnecting connection; blocks (used at start-up). */
    StatefulRedisConnection<byte[], byte[]> connectShared(String role) {
        return sharedClient.connect(ByteArrayCodec.INSTANCE, named(role));
    }

    /** Connects the pub/sub connection; blocks (used at start-up). */
    StatefulRedisPubSubConnection<byte[], byte[]> connectPubSub(String role) {
        return sharedClient.connectPubSub(ByteArrayCodec.INSTANCE, named(role));
    }

    /** Connects a reader connection without blocking the caller. */
    CompletableFuture<StatefulRedisConnection<byte[], byte[]>> connectReader(String role) {
        return readerClient.connectAsync(ByteArrayCodec.INSTANCE, named(role)).toCompletableFuture();
    }

    /** Closes both clients and the event loops; open connections are closed with them. */
    @Override
    public void close() {
        readerClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        sharedClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }

    /** Names the connection in CLIENT LIST so operators can tell readers, writer and control apart. */
    private RedisURI named(String role) {
        String name = role.replaceAll("[^A-Za-z0-9_.:-]", "_");
        return RedisURI.builder(uri).withClientName(name.length() <= 120 ? name : name.substring(0, 120)).build();
    }

    /** Blocking stream reads may take their block time plus the usual command timeout. */
    private static final class BlockAwareTimeouts extends TimeoutOptions.TimeoutSource {

        private final long blockingMillis;

        BlockAwareTimeouts(Duration blockTimeout) {
            this.blockingMillis = blockTimeout.plus(COMMAND_TIMEOUT).toMillis();
        }

        @Override
        public long getTimeout(RedisCommand<?, ?, ?> command) {
            if (command != null && (command.getType() == CommandType.XREAD || command.getType() == CommandType.XREADGROUP)) {
                return blockingMillis;
            }
            return COMMAND_TIMEOUT.toMillis();
        }
    }
}
