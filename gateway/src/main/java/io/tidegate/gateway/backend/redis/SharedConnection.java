package io.tidegate.gateway.backend.redis;

import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.util.concurrent.CompletableFuture;

/**
 * A shared, self-reconnecting connection (writer or control) to standalone Redis or to a Redis
 * Cluster, behind the command set both have. On a cluster, Lettuce routes each keyed command to
 * the node that owns the key's slot and keeps one connection per node, so commands for one
 * topic stay in order. Thread-safe, like the Lettuce connection it wraps.
 */
final class SharedConnection implements AutoCloseable {

    private final StatefulConnection<byte[], byte[]> connection;
    private final RedisClusterAsyncCommands<byte[], byte[]> commands;

    SharedConnection(StatefulRedisConnection<byte[], byte[]> standalone) {
        this.connection = standalone;
        this.commands = standalone.async();
    }

    SharedConnection(StatefulRedisClusterConnection<byte[], byte[]> cluster) {
        this.connection = cluster;
        this.commands = cluster.async();
    }

    StatefulConnection<byte[], byte[]> connection() {
        return connection;
    }

    RedisClusterAsyncCommands<byte[], byte[]> async() {
        return commands;
    }

    /**
     * Commands that go to one node: the connection itself on standalone Redis, this connection's
     * link to {@code host:port} on a cluster (for CLIENT UNBLOCK, which must reach the node the
     * blocked client is connected to).
     */
    CompletableFuture<RedisClusterAsyncCommands<byte[], byte[]>> node(String host, int port) {
        if (connection instanceof StatefulRedisClusterConnection<byte[], byte[]> cluster) {
            return cluster.getConnectionAsync(host, port).thenApply(StatefulRedisConnection::async);
        }
        return CompletableFuture.completedFuture(commands);
    }

    boolean isCluster() {
        return connection instanceof StatefulRedisClusterConnection;
    }

    boolean isOpen() {
        return connection.isOpen();
    }

    @Override
    public void close() {
        connection.close();
    }
}
