package io.tidegate.gateway.backend.redis;

import io.lettuce.core.RedisURI;
import io.lettuce.core.UnblockType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.util.concurrent.CompletableFuture;

/**
 * One subscription's own connection for the blocking reads of one read group (see {@link
 * RedisConnector}) and the non-blocking steps between them, with the CLIENT ID that lets
 * another connection wake a blocked read early, and that other connection: the shared control
 * connection's link to the same node. Never shared: a blocked XREAD holds its connection until it
 * returns. Thread-safe; used by one subscription's read cycle at a time.
 */
final class ReaderConnection {

    private final StatefulRedisConnection<byte[], byte[]> connection;
    private final long clientId;
    private final RedisClusterAsyncCommands<byte[], byte[]> waker;

    private ReaderConnection(StatefulRedisConnection<byte[], byte[]> connection, long clientId,
                             RedisClusterAsyncCommands<byte[], byte[]> waker) {
        this.connection = connection;
        this.clientId = clientId;
        this.waker = waker;
    }

    /**
     * Connects to the node serving {@code readGroup}, asks Redis for the connection's id and
     * links the control connection to the same node, without blocking the caller.
     */
    static CompletableFuture<ReaderConnection> open(RedisConnector connector, SharedConnection control, String name,
                                                    int readGroup) {
        RedisURI node;
        try {
            node = connector.readerNode(readGroup);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return connector.connectReader(name, node).thenCompose(connection -> connection.async().clientId()
                .toCompletableFuture()
                .thenCombine(control.node(node.getHost(), node.getPort()),
                        (id, waker) -> new ReaderConnection(connection, id, waker))
                .whenComplete((r, error) -> {
                    if (error != null) {
                        connection.closeAsync();
                    }
                }));
    }

    RedisAsyncCommands<byte[], byte[]> redis() {
        return connection.async();
    }

    /** Ends this connection's blocked read as if it timed out; completes with 1, or 0 when none was blocked. */
    CompletableFuture<Long> unblock() {
        return waker.clientUnblock(clientId, UnblockType.TIMEOUT).toCompletableFuture();
    }

    boolean isOpen() {
        return connection.isOpen();
    }

    CompletableFuture<Void> close() {
        return connection.closeAsync();
    }
}
