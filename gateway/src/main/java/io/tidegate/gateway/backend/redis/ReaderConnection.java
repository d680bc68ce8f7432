package io.tidegate.gateway.backend.redis;

import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.util.concurrent.CompletableFuture;

/**
 * One subscription's own connection for its blocking reads (and the non-blocking steps between
 * them), with the CLIENT ID that lets another connection wake a blocked read early. Never shared:
 * a blocked XREAD holds its connection until it returns. Thread-safe; used by one subscription's
 * read cycle at a time.
 */
final class ReaderConnection {

    private final StatefulRedisConnection<byte[], byte[]> connection;
    private final long clientId;

    private ReaderConnection(StatefulRedisConnection<byte[], byte[]> connection, long clientId) {
        this.connection = connection;
        this.clientId = clientId;
    }

    /** Connects and asks Redis for the connection's id, without blocking the caller. */
    static CompletableFuture<ReaderConnection> open(RedisConnector connector, String name) {
        return connector.connectReader(name).thenCompose(connection -> connection.async().clientId()
                .toCompletableFuture()
                .<ReaderConnection>thenApply(id -> new ReaderConnection(connection, id))
                .whenComplete((r, error) -> {
                    if (error != null) {
                        connection.closeAsync();
                    }
                }));
    }

    RedisAsyncCommands<byte[], byte[]> redis() {
        return connection.async();
    }

    long clientId() {
        return clientId;
    }

    boolean isOpen() {
        return connection.isOpen();
    }

    CompletableFuture<Void> close() {
        return connection.closeAsync();
    }
}
