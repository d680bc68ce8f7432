package io.tidegate.gateway.backend.redis;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.tidegate.gateway.backend.AppendResult;
import io.tidegate.gateway.backend.EntryId;
import io.tidegate.gateway.backend.Envelope;
import io.tidegate.gateway.backend.StreamPosition;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one writer of a backend: every append goes through a single connection with auto-flush
 * off, so a batch leaves as one pipelined write and costs about one round trip, not one per
 * message. Within the pipeline each run of up to {@value #MAX_RUN} messages of one topic is one
 * EVALSHA of {@code append.lua} (dedup check, XADD MAXLEN ~, the id in the topic's current dedup bucket). Redis runs
 * a connection's commands in order, so appends to a topic keep the order in which {@link #append}
 * was called, within and across batches.
 *
 * <p>Threading: {@link #append} and {@link #fence} may be called from any thread and never block
 * on Redis; dispatch into the connection is serialized by a short lock so batches do not
 * interleave. Futures complete on Lettuce's event loop.
 */
final class RedisStreamWriter implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RedisStreamWriter.class);

    /**
     * Most messages per append.lua call. A script call costs several times an XADD, so runs
     * amortize it; the cap bounds how long one call holds Redis (about a millisecond).
     */
    static final int MAX_RUN = 128;
    /**
     * Dedup buckets per window: an id is kept for the window plus at most one bucket (a quarter
     * more), and a lookup reads this many buckets plus one.
     */
    static final int DEDUP_BUCKETS = 4;
    private static final byte[] NO_ID = new byte[0];

    private final StatefulConnection<byte[], byte[]> connection;
    private final RedisClusterAsyncCommands<byte[], byte[]> redis;
    private final RedisKeys keys;
    private final byte[] maxLength;
    private final long dedupMillis;
    private final byte[] dedupMillisArg;
    private final byte[] bucketMillisArg;
    /** Topics this writer put into the topic set; the registry refresh repairs it if Redis lost them. */
    private final Set<String> registered = ConcurrentHashMap.newKeySet();
    private final Set<CompletableFuture<?>> inFlight = ConcurrentHashMap.newKeySet();
    private final Object dispatchLock = new Object();
    private final CommandRefusals refusals;
    /** Redis Cluster with shared readers: each append call also announces the topic on its wake channel. */
    private final boolean announce;
    private boolean closed;
    /**
     * Whether the next pipeline must start with SCRIPT LOAD: at first, after every reconnect
     * (a restarted or failed-over Redis has an empty script cache) and after a NOSCRIPT. A batch
     * that met NOSCRIPT fails rather than being retried by EVAL one run at a time, which would
     * let appends dispatched after it overtake it.
     */
    private volatile boolean loadScript = true;

    RedisStreamWriter(SharedConnection shared, RedisKeys keys, long maxLength, Duration dedupWindow,
                      CommandRefusals refusals, boolean announce) {
        this.refusals = refusals;
        this.announce = announce;
        this.connection = shared.connection();
        this.redis = shared.async();
        this.keys = keys;
        this.maxLength = Long.toString(maxLength).getBytes(StandardCharsets.US_ASCII);
        this.dedupMillis = dedupWindow.toMillis();
        this.dedupMillisArg = Long.toString(dedupMillis).getBytes(StandardCharsets.US_ASCII);
        long bucketMillis = Math.max(1, (dedupMillis + DEDUP_BUCKETS - 1) / DEDUP_BUCKETS);
        this.bucketMillisArg = Long.toString(bucketMillis).getBytes(StandardCharsets.US_ASCII);
        if (shared.isCluster()) {
            // Lettuce sends SCRIPT LOAD to every master, each over its own node connection; loaded
            // now, before pipelining, it cannot arrive behind the first EVALSHA on a node whose
            // connection was still being opened. A node that loses the script later answers
            // NOSCRIPT once, and the next pipeline loads it again.
            redis.scriptLoad(LuaScript.APPEND.body()).toCompletableFuture()
                    .orTimeout(RedisConnector.COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).join();
            loadScript = false;
        }
        connection.setAutoFlushCommands(false);
        connection.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisConnected(RedisChannelHandler<?, ?> handler, SocketAddress address) {
                loadScript = true;
            }
        });
    }

    /** See {@link io.tidegate.gateway.backend.Backend#append}. */
    CompletableFuture<List<AppendResult>> append(List<Envelope> batch) {
        if (batch.isEmpty()) {
            return CompletableFuture.completedFuture(List.of());
        }
        List<Run> runs = runs(batch);
        // Serialize before taking the lock, so concurrent batches only queue behind the dispatch.
        List<ScriptCall> calls = runs.stream().map(run -> scriptCall(run, batch)).toList();
        List<RedisFuture<List<Object>>> replies = new ArrayList<>(runs.size());
        List<String> newTopics = new ArrayList<>(1);
        synchronized (dispatchLock) {
            if (closed) {
                return CompletableFuture.failedFuture(new IllegalStateException("the redis backend is closed"));
            }
            if (loadScript) {
                // Ahead of the EVALSHAs in the same pipeline, so they find the script.
                loadScript = false;
                redis.scriptLoad(LuaScript.APPEND.body());
            }
            for (int r = 0; r < runs.size(); r++) {
                String topic = runs.get(r).topic;
                if (registered.add(topic)) {
                    newTopics.add(topic);
                    byte[] name = RedisKeys.bytes(topic);
                    redis.sadd(keys.topicSet(), name);
                    redis.publish(keys.topicChannel(), name);
                }
                ScriptCall call = calls.get(r);
                replies.add(redis.evalsha(LuaScript.APPEND.sha(), ScriptOutputType.MULTI, call.keys, call.args));
            }
            connection.flushCommands();
        }
        // every reply, failed or not: a run Redis refuses (ACL) is answered alone, the batch's others are stored
        CompletableFuture<List<AppendResult>> result = CompletableFuture
                .allOf(replies.stream().map(f -> f.toCompletableFuture().handle((v, e) -> null)).toArray(CompletableFuture[]::new))
                .thenApply(ignored -> results(batch, runs, replies, refusals));
        result.whenComplete((r, error) -> {
            if (error != null) {
                // A failed batch may not have reached the topic set either; register again next time.
                newTopics.forEach(registered::remove);
                if (RedisSubscription.unwrap(error) instanceof RedisNoScriptException) {
                    loadScript = true;
                }
            }
        });
        track(result);
        return result;
    }

    /**
     * Where a subscription starts: Redis's clock and the last entry id of each topic in {@code
     * topics} plus each topic this writer has appended to that {@code alsoMatching} accepts, read
     * on the writer connection. Redis runs the connection's commands in order, so every append
     * dispatched before this call is inside the fence and every one after it is outside.
     *
     * @param localMillis this gateway's clock when the subscription was asked for
     */
    CompletableFuture<StartCursors.Fence> fence(long localMillis, Set<String> topics, Predicate<String> alsoMatching) {
        RedisFuture<List<byte[]>> time;
        Map<String, RedisFuture<List<Object>>> lasts = new HashMap<>();
        synchronized (dispatchLock) {
            if (closed) {
                return CompletableFuture.failedFuture(new IllegalStateException("the redis backend is closed"));
            }
            Set<String> all = new HashSet<>(topics);
            for (String topic : registered) {
                if (alsoMatching.test(topic)) {
                    all.add(topic);
                }
            }
            time = redis.time();
            for (String topic : all) {
                // XINFO STREAM rather than the last entry: it also gives entries-added, so a broadcast
                // cursor starts knowing its ordinal and a later hole is counted exactly
                lasts.put(topic, redis.xinfoStream(keys.stream(topic)));
            }
            connection.flushCommands();
        }
        List<CompletableFuture<?>> replies = new ArrayList<>();
        replies.add(time.toCompletableFuture());
        lasts.values().forEach(f -> replies.add(f.toCompletableFuture()));
        return CompletableFuture.allOf(replies.toArray(CompletableFuture[]::new)).thenApply(ignored -> {
            List<byte[]> t = time.toCompletableFuture().join();
            long redisMillis = Long.parseLong(RedisKeys.string(t.get(0))) * 1000
                    + Long.parseLong(RedisKeys.string(t.get(1))) / 1000;
            Map<String, EntryId> lastIds = new HashMap<>();
            Map<String, Long> ordinals = new HashMap<>();
            lasts.forEach((topic, f) -> {
                RetentionGapCheck.StreamInfo info = streamInfo(f.toCompletableFuture());
                lastIds.put(topic, info.lastGenerated());
                ordinals.put(topic, info.entriesAdded());
            });
            return new StartCursors.Fence(Math.min(localMillis, redisMillis), lastIds, ordinals);
        });
    }

    /** The stream's XINFO; a stream that does not exist yet is empty and has taken no entries. */
    private static RetentionGapCheck.StreamInfo streamInfo(CompletableFuture<List<Object>> reply) {
        try {
            return RetentionGapCheck.StreamInfo.parse(reply.join());
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof io.lettuce.core.RedisCommandExecutionException
                    && String.valueOf(e.getCause().getMessage()).contains("no such key")) {
                return new RetentionGapCheck.StreamInfo(0, 0, EntryId.MIN, null);
            }
            throw e;
        }
    }

    /** Forgets which topics were registered, so the next append of each registers it again. */
    void forgetRegistered(Set<String> stillRegistered) {
        registered.retainAll(stillRegistered);
    }

    boolean isConnected() {
        return connection.isOpen();
    }

    /** Stops taking appends, waits up to {@code timeout} for those in flight, closes the connection. */
    void close(Duration timeout) {
        synchronized (dispatchLock) {
            if (closed) {
                return;
            }
            closed = true;
            connection.flushCommands();
        }
        try {
            CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new))
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.warn("{} appends still unanswered by Redis after {}; closing anyway", inFlight.size(), timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // failed appends were reported to their callers
        }
        connection.close();
    }

    @Override
    public void close() {
        close(RedisConnector.COMMAND_TIMEOUT);
    }

    /**
     * Splits a batch into runs of at most {@link #MAX_RUN} messages of one topic, keeping each
     * topic's order. Order between topics is not promised, so runs need not follow batch order.
     */
    private static List<Run> runs(List<Envelope> batch) {
        Map<String, List<Integer>> byTopic = new LinkedHashMap<>();
        for (int i = 0; i < batch.size(); i++) {
            byTopic.computeIfAbsent(batch.get(i).topic(), t -> new ArrayList<>()).add(i);
        }
        List<Run> runs = new ArrayList<>();
        byTopic.forEach((topic, indexes) -> {
            for (int from = 0; from < indexes.size(); from += MAX_RUN) {
                runs.add(new Run(topic, indexes.subList(from, Math.min(indexes.size(), from + MAX_RUN))));
            }
        });
        return runs;
    }

    /** The keys and arguments of one append.lua call for a run (see the script for the layout). */
    private ScriptCall scriptCall(Run run, List<Envelope> batch) {
        byte[][] runKeys = announce
                ? new byte[][] {keys.stream(run.topic), keys.dedupBuckets(run.topic), keys.wakeChannel(run.topic)}
                : new byte[][] {keys.stream(run.topic), keys.dedupBuckets(run.topic)};
        byte[][] args = new byte[3 + 3 * run.indexes.size()][];
        args[0] = maxLength;
        args[1] = dedupMillisArg;
        args[2] = bucketMillisArg;
        int a = 3;
        for (int index : run.indexes) {
            Envelope envelope = batch.get(index);
            // getIdBytes, not the id String: it leaves the message holding the encoded id, which
            // toByteArray below and the publish ack then write as it is instead of encoding again
            args[a++] = dedupMillis > 0 ? envelope.message().getIdBytes().toByteArray() : NO_ID;
            args[a++] = envelope.message().toByteArray();
            args[a++] = StreamEntryCodec.acceptedNanos(envelope.acceptedNanos());
        }
        return new ScriptCall(runKeys, args);
    }

    /**
     * The result of each message; a run that failed for another reason than a refusal fails the
     * whole batch, as before, so the resilience layer retries or spools it (the runs that were
     * stored come back as duplicates of themselves).
     */
    private static List<AppendResult> results(List<Envelope> batch, List<Run> runs,
                                              List<RedisFuture<List<Object>>> replies, CommandRefusals refusals) {
        AppendResult[] results = new AppendResult[batch.size()];
        String[] refused = new String[runs.size()];
        for (int r = 0; r < runs.size(); r++) {
            CompletableFuture<List<Object>> reply = replies.get(r).toCompletableFuture();
            if (reply.isCompletedExceptionally()) {
                Throwable error = RedisSubscription.unwrap(reply.handle((v, e) -> e).join());
                refused[r] = refusals.refusal(error, "appending " + runs.get(r).indexes.size() + " messages to "
                        + runs.get(r).topic);
                if (refused[r] == null) {
                    throw error instanceof RuntimeException re ? re : new java.util.concurrent.CompletionException(error);
                }
            }
        }
        for (int r = 0; r < runs.size(); r++) {
            Run run = runs.get(r);
            if (refused[r] != null) {
                AppendResult no = AppendResult.refusedResult(refused[r]);
                run.indexes.forEach(i -> results[i] = no);
                continue;
            }
            List<Object> reply = replies.get(r).toCompletableFuture().join();
            for (int i = 0; i < run.indexes.size(); i++) {
                boolean duplicate = ((Long) reply.get(2 * i + 1)) == 1L;
                StreamPosition position = new StreamPosition(run.topic, EntryId.parseAscii((byte[]) reply.get(2 * i)));
                results[run.indexes.get(i)] = duplicate ? AppendResult.duplicateOf(position) : AppendResult.accepted(position);
            }
        }
        return Arrays.asList(results);
    }

    /** Messages of one topic that go to Redis in one script call; indexes point into the batch. */
    private record Run(String topic, List<Integer> indexes) {
    }

    /** A prepared append.lua call. */
    private record ScriptCall(byte[][] keys, byte[][] args) {
    }

    private void track(CompletableFuture<?> future) {
        inFlight.add(future);
        future.whenComplete((r, e) -> inFlight.remove(future));
    }
}
