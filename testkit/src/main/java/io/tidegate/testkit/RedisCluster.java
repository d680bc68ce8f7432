package io.tidegate.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A throwaway Redis Cluster for tests: {@value #MASTERS} {@code redis-server} processes in
 * cluster mode on free loopback ports, joined with {@code redis-cli --cluster create} (no
 * replicas), returned once every node reports {@code cluster_state:ok}. The 16384 slots are
 * split evenly, so keys with different hash tags usually land on different nodes.
 *
 * <p>{@code redis-cli} is taken from the system property {@code tidegate.redis-cli}, the
 * environment variable {@code REDIS_CLI}, or the {@code PATH} (Debian: package
 * {@code redis-tools}); {@code redis-server} as for {@link RedisServer}. Missing executables
 * make {@link #start()} throw, never skip.
 *
 * <p>Threading: {@link #start()} and {@link #close()} block; the accessors are thread-safe.
 */
public final class RedisCluster implements AutoCloseable {

    /** Masters in the cluster. */
    public static final int MASTERS = 3;
    private static final long READY_TIMEOUT_MILLIS = 30_000;
    private static final long CREATE_TIMEOUT_SECONDS = 60;
    private static final int START_ATTEMPTS = 3;
    /** Redis Cluster's bus listens on the client port plus this. */
    private static final int BUS_PORT_OFFSET = 10_000;

    private final List<RedisServer> nodes;

    private RedisCluster(List<RedisServer> nodes) {
        this.nodes = List.copyOf(nodes);
    }

    /**
     * Starts the nodes, creates the cluster and waits until it serves every slot.
     *
     * @throws IllegalStateException when an executable is missing or the cluster does not form
     */
    public static RedisCluster start() {
        Path server = RedisServer.findExecutable();
        Path cli = RedisServer.findExecutable("redis-cli", "tidegate.redis-cli", "REDIS_CLI", "redis-tools");
        IllegalStateException last = null;
        // Free ports are only free when we look; a lost race gets a fresh set.
        for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
            List<RedisServer> started = new ArrayList<>();
            try {
                for (int port : freeClusterPorts()) {
                    started.add(RedisServer.startOnce(server, port, List.of(
                            "--cluster-enabled", "yes",
                            "--cluster-config-file", "nodes.conf",
                            "--cluster-node-timeout", "5000")));
                }
                RedisCluster cluster = new RedisCluster(started);
                cluster.create(cli);
                cluster.awaitReady();
                return cluster;
            } catch (IllegalStateException e) {
                started.forEach(RedisServer::close);
                last = e;
            }
        }
        throw last;
    }

    /** The nodes, each a master serving a third of the slots. */
    public List<RedisServer> nodes() {
        return nodes;
    }

    /**
     * The seed list for {@code backend.redis.cluster-nodes}, e.g.
     * {@code redis://127.0.0.1:7000,redis://127.0.0.1:7001,redis://127.0.0.1:7002}.
     */
    public String seeds() {
        return nodes.stream().map(RedisServer::uri).collect(Collectors.joining(","));
    }

    /** Deletes every key on every node. */
    public void flushAll() {
        nodes.forEach(RedisServer::flushAll);
    }

    /** Stops every node and removes their directories. Idempotent. */
    @Override
    public void close() {
        nodes.forEach(RedisServer::close);
    }

    private void create(Path cli) {
        List<String> command = new ArrayList<>(List.of(cli.toString(), "--cluster", "create"));
        nodes.forEach(n -> command.add("127.0.0.1:" + n.port()));
        command.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
        Path log;
        try {
            log = Files.createTempFile("tidegate-cluster-create-", ".log");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary file for redis-cli output", e);
        }
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!process.waitFor(CREATE_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish within "
                        + CREATE_TIMEOUT_SECONDS + " s:\n" + RedisServer.readQuietly(log));
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " exited with code " + process.exitValue()
                        + ":\n" + RedisServer.readQuietly(log));
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + cli + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating the cluster", e);
        } finally {
            log.toFile().delete();
        }
    }

    /** Every node must see every slot served before a client connects, or it gets CLUSTERDOWN. */
    private void awaitReady() {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(READY_TIMEOUT_MILLIS);
        String info = "";
        while (System.nanoTime() < deadline) {
            boolean allOk = true;
            for (RedisServer node : nodes) {
                info = node.commandText("CLUSTER INFO");
                if (!info.contains("cluster_state:ok") || !info.contains("cluster_known_nodes:" + MASTERS)) {
                    allOk = false;
                    break;
                }
            }
            if (allOk) {
                return;
            }
            RedisServer.sleep(50);
        }
        throw new IllegalStateException("the cluster did not reach cluster_state:ok within " + READY_TIMEOUT_MILLIS
                + " ms; last CLUSTER INFO:\n" + info);
    }

    /** Ports whose cluster bus port (port + 10000) is free too. */
    private static List<Integer> freeClusterPorts() {
        List<Integer> ports = new ArrayList<>();
        while (ports.size() < MASTERS) {
            int port = RedisServer.freePort();
            if (port + BUS_PORT_OFFSET <= 65_535 && !ports.contains(port) && isFree(port + BUS_PORT_OFFSET)) {
                ports.add(port);
            }
        }
        return ports;
    }

    private static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return "RedisCluster[" + seeds() + "]";
    }
}
