package io.tidegate.gateway.backend.redis;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * One of the backend's Lua scripts (the {@code .lua} files next to this class), run by SHA with
 * a fallback to the full text when Redis lost its script cache (restart, failover). Immutable;
 * thread-safe.
 */
final class LuaScript {

    static final LuaScript APPEND = load("append.lua");
    static final LuaScript CLAIM_IDLE = load("claim-idle.lua");
    static final LuaScript CLAIM_OWN = load("claim-own.lua");
    static final LuaScript HOLD = load("hold.lua");
    static final LuaScript DROP_CONSUMER = load("drop-consumer.lua");
    static final LuaScript SWEEP_CONSUMERS = load("sweep-consumers.lua");
    static final LuaScript OLDEST_UNREAD = load("oldest-unread.lua");
    static final LuaScript PUT_IF_NEWER = load("put-if-newer.lua");
    static final LuaScript STRICT_READ = loadWithKeyLeases("strict-read.lua");
    static final LuaScript STRICT_CLAIM = loadWithKeyLeases("strict-claim.lua");
    static final LuaScript STRICT_ACK = loadWithKeyLeases("strict-ack.lua");
    static final LuaScript STRICT_LEAVE = loadWithKeyLeases("strict-leave.lua");

    private final String name;
    private final byte[] body;
    private final String sha;

    private LuaScript(String name, byte[] body) {
        this.name = name;
        this.body = body;
        this.sha = sha1Hex(body);
    }

    String name() {
        return name;
    }

    byte[] body() {
        return body;
    }

    String sha() {
        return sha;
    }

    /**
     * Runs the script on a connection that flushes by itself (not the pipelining writer). The
     * NOSCRIPT retry is safe because Redis ran nothing when it answered NOSCRIPT.
     */
    <T> CompletableFuture<T> run(RedisClusterAsyncCommands<byte[], byte[]> redis, ScriptOutputType type,
                                 byte[][] keys, byte[]... args) {
        CompletableFuture<T> bySha = redis.<T>evalsha(sha, type, keys, args).toCompletableFuture();
        return bySha.handle((result, error) -> {
            if (error == null) {
                return CompletableFuture.completedFuture(result);
            }
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            if (cause instanceof RedisNoScriptException) {
                return redis.<T>eval(body, type, keys, args).toCompletableFuture();
            }
            return CompletableFuture.<T>failedFuture(cause);
        }).thenCompose(f -> f);
    }

    private static LuaScript load(String name) {
        return new LuaScript(name, read(name));
    }

    /** A strict key order script: {@code key-lease.lua} (shared functions) followed by the script. */
    private static LuaScript loadWithKeyLeases(String name) {
        byte[] shared = read("key-lease.lua");
        byte[] own = read(name);
        byte[] body = Arrays.copyOf(shared, shared.length + 1 + own.length);
        body[shared.length] = '\n';
        System.arraycopy(own, 0, body, shared.length + 1, own.length);
        return new LuaScript(name, body);
    }

    private static byte[] read(String name) {
        try (InputStream in = LuaScript.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("Lua script " + name + " is missing from the classpath");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read Lua script " + name, e);
        }
    }

    private static String sha1Hex(byte[] body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-1", e);
        }
    }

    @Override
    public String toString() {
        return name + "@" + sha.substring(0, 8);
    }
}
