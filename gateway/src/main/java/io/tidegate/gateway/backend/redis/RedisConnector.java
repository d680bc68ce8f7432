package io.tidegate.gateway.backend.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.pubsub.StatefulRedisClusterPubSubConnection;
import io.lettuce.core.cluster.event.ClusterTopologyChangedEvent;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.protocol.RedisCommand;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import io.tidegate.gateway.config.GatewayConfig;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import reactor.core.Disposable;

/**
 * Opens the backend's Redis connections, to one standalone Redis ({@code backend.redis.uri}) or
 * to a Redis Cluster ({@code backend.redis.cluster-nodes}). All share one set of Netty event
 * loops. Two kinds:
 * <ul>
 *   <li>shared connections (writer, control, pub/sub) reconnect by themselves; on a cluster they
 *       are Lettuce cluster connections that route each command to the node owning its key's
 *       slot and follow topology changes;</li>
 *   <li>reader connections, one per shared reader ({@link SharedStreamReader}; none on a cluster,
 *       where the shared readers wait on the sharded pub/sub connection, {@link ShardWakes}), or one
 *       per subscription and <em>read group</em> (group subscriptions; all with shared-readers = 0,
 *       and group members on a cluster), do not: a reader
 *       notices the loss on its next read and opens a fresh one, so it always knows its
 *       connection's CLIENT ID (needed to wake it with CLIENT UNBLOCK). They are plain
 *       connections to one node, because a blocked read holds its connection.</li>
 * </ul>
 * A read group is the set of streams one blocking read may name: every stream on standalone
 * Redis; on a cluster only streams of one hash slot (a multi-key command across slots is
 * refused with CROSSSLOT, even on one node), so in practice one topic per group.
 *
 * <p>Both kinds reject commands while disconnected instead of queueing them without bound, so a
 * Redis outage fails appends fast and the gateway's circuit breaker can take over. Every command
 * has a timeout; blocking reads get theirs on top of the block time. Thread-safe.
 */
final class RedisConnector implements AutoCloseable {

    /** How long a non-blocking command may take before it fails; Redis answers in microseconds. */
    static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(5);
    /** How often a cluster client re-reads the topology even when no redirect told it to. */
    static final Duration TOPOLOGY_REFRESH = Duration.ofSeconds(30);
    /** Longest pause between reconnect attempts of the shared connections (jittered, growing to this). */
    static final Duration MAX_RECONNECT_DELAY = Duration.ofSeconds(1);
    /** The only read group on standalone Redis. */
    private static final int ALL_STREAMS = -1;

    private final List<RedisURI> seeds;
    private final RedisAccess access;
    private final ClientResources resources;
    /** Standalone only. */
    private final RedisClient sharedClient;
    /** Cluster only. */
    private final RedisClusterClient clusterClient;
    private final RedisClient readerClient;
    /** Cluster only: the shared connections, linked to every master again when the topology changes. */
    private final List<StatefulRedisClusterConnection<byte[], byte[]>> clusterConnections = new CopyOnWriteArrayList<>();
    private final Disposable topologyListener;

    /**
     * @throws IllegalArgumentException when a URI does not parse
     * @throws io.tidegate.gateway.config.SettingUnusableException when a password or TLS file cannot be read
     */
    RedisConnector(GatewayConfig.Redis config) {
        this.access = RedisAccess.of(config);
        this.seeds = access.seeds();
        // Lettuce's default waits up to 30 s between reconnect attempts, so after a long outage
        // the writer and the ack connection would come back long after Redis did.
        this.resources = DefaultClientResources.builder()
                .reconnectDelay(Delay.equalJitter(Duration.ZERO, MAX_RECONNECT_DELAY, 100, TimeUnit.MILLISECONDS))
                .build();
        TimeoutOptions timeouts = TimeoutOptions.builder()
                .timeoutSource(new BlockAwareTimeouts(config.blockTimeout())).build();
        SocketOptions socket = SocketOptions.builder()
                .connectTimeout(COMMAND_TIMEOUT)
                .keepAlive(true)
                .build();
        if (config.isCluster()) {
            this.sharedClient = null;
            this.clusterClient = RedisClusterClient.create(resources, seeds);
            clusterClient.setOptions(ClusterClientOptions.builder()
                    .autoReconnect(true)
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .timeoutOptions(timeouts)
                    .socketOptions(socket)
                    .sslOptions(ssl())
                    .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                            .enablePeriodicRefresh(TOPOLOGY_REFRESH)
                            .enableAllAdaptiveRefreshTriggers()
                            .build())
                    .build());
            this.topologyListener = resources.eventBus().get()
                    .filter(event -> event instanceof ClusterTopologyChangedEvent)
                    .subscribe(event -> clusterConnections.forEach(RedisConnector::connectToEveryMaster));
        } else {
            this.topologyListener = null;
            this.clusterClient = null;
            this.sharedClient = RedisClient.create(resources, seeds.get(0));
            sharedClient.setOptions(ClientOptions.builder()
                    .autoReconnect(true)
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .timeoutOptions(timeouts)
                    .socketOptions(socket)
                    .sslOptions(ssl())
                    .build());
        }
        this.readerClient = RedisClient.create(resources);
        readerClient.setOptions(ClientOptions.builder()
                .autoReconnect(false)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(timeouts)
                .socketOptions(socket)
                .sslOptions(ssl())
                .build());
    }

    private io.lettuce.core.SslOptions ssl() {
        return access.ssl() != null ? access.ssl() : io.lettuce.core.SslOptions.create();
    }

    /** Who this connector logs in as ({@code default} without an ACL user), for messages. */
    String user() {
        return access.describeUser();
    }

    /** True when the connections use TLS. */
    boolean usesTls() {
        return access.ssl() != null;
    }

    boolean isCluster() {
        return clusterClient != null;
    }

    /** Where this connector connects, without credentials, for messages: {@code host:port[,host:port...]}. */
    String address() {
        return seeds.stream().map(u -> u.getHost() + ":" + u.getPort()).collect(Collectors.joining(","));
    }

    /** Connects a shared, self-reconnecting connection; blocks (used at start-up). */
    SharedConnection connectShared(String role) {
        if (isCluster()) {
            StatefulRedisClusterConnection<byte[], byte[]> connection = clusterClient.connect(ByteArrayCodec.INSTANCE);
            try {
                CompletableFuture.allOf(connectToEveryMaster(connection))
                        .orTimeout(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).join();
            } catch (RuntimeException e) {
                connection.close();
                throw e;
            }
            clusterConnections.add(connection);
            return new SharedConnection(connection);
        }
        return new SharedConnection(sharedClient.connect(ByteArrayCodec.INSTANCE, named(seeds.get(0), role)));
    }

    /**
     * Connects the pub/sub connection; blocks (used at start-up). On a cluster, PUBLISH reaches
     * subscribers on every node, so one subscription on any node hears every announcement.
     */
    StatefulRedisPubSubConnection<byte[], byte[]> connectPubSub(String role) {
        if (isCluster()) {
            return clusterClient.connectPubSub(ByteArrayCodec.INSTANCE);
        }
        return sharedClient.connectPubSub(ByteArrayCodec.INSTANCE, named(seeds.get(0), role));
    }

    /**
     * Cluster only: connects a sharded pub/sub connection, which opens one link per node as
     * SSUBSCRIBEs are routed to the nodes owning their channels' slots; blocks (start-up).
     */
    StatefulRedisClusterPubSubConnection<byte[], byte[]> connectShardedPubSub() {
        return clusterClient.connectPubSub(ByteArrayCodec.INSTANCE);
    }

    /** The read group of a stream key (see the class comment). */
    int readGroup(byte[] key) {
        return isCluster() ? SlotHash.getSlot(key) : ALL_STREAMS;
    }

    /**
     * The node that serves the streams of {@code readGroup} now.
     *
     * @throws IllegalStateException when the cluster topology does not know yet (it is refreshed)
     */
    RedisURI readerNode(int readGroup) {
        if (!isCluster()) {
            return seeds.get(0);
        }
        RedisClusterNode owner = clusterClient.getPartitions().getMasterBySlot(readGroup);
        if (owner == null || owner.getUri() == null) {
            clusterClient.refreshPartitionsAsync();
            throw new IllegalStateException("no cluster node is known to serve slot " + readGroup
                    + " yet; refreshing the topology");
        }
        // The seed carries credentials and TLS settings; the topology carries the address.
        return RedisURI.builder(seeds.get(0)).withHost(owner.getUri().getHost()).withPort(owner.getUri().getPort())
                .build();
    }

    /** Connects a reader connection to {@code node} without blocking the caller. */
    CompletableFuture<StatefulRedisConnection<byte[], byte[]>> connectReader(String role, RedisURI node) {
        return readerClient.connectAsync(ByteArrayCodec.INSTANCE, named(node, role)).toCompletableFuture();
    }

    /** After a reader failed on a cluster: re-reads the topology, in case a slot moved (MOVED, failover). */
    void readerFailed() {
        if (isCluster()) {
            clusterClient.refreshPartitionsAsync();
        }
    }

    /**
     * Opens the connection's link to every master now. Lettuce opens node links lazily, on the
     * first command for a slot, and with REJECT_COMMANDS it rejects the commands that arrive
     * while a link is still being opened; opening them up front (and again whenever the topology
     * changes) keeps a first append or read from failing for nothing.
     */
    private static CompletableFuture<?>[] connectToEveryMaster(StatefulRedisClusterConnection<byte[], byte[]> connection) {
        return connection.getPartitions().stream()
                .filter(node -> node.getRole().isUpstream())
                // By address, not node id: Lettuce keys the links it routes slots over by address.
                .map(node -> connection.getConnectionAsync(node.getUri().getHost(), node.getUri().getPort()))
                .toArray(CompletableFuture[]::new);
    }

    /** Closes the clients and the event loops; open connections are closed with them. */
    @Override
    public void close() {
        if (topologyListener != null) {
            topologyListener.dispose();
        }
        readerClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        if (isCluster()) {
            clusterClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        } else {
            sharedClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
        resources.shutdown(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }

    /** Names the connection in CLIENT LIST so operators can tell readers, writer and control apart. */
    private static RedisURI named(RedisURI uri, String role) {
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
