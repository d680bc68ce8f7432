package io.tidegate.bench;

import com.google.protobuf.ByteString;
import io.lettuce.core.RedisClient;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.proto.v1.Message;
import io.tidegate.sdk.PublishReceipt;
import io.tidegate.sdk.TidegateClient;
import io.tidegate.testkit.RedisServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Redis memory per stored message at the defaults: publishes {@code N} messages (UUID ids, a
 * {@code payload}-byte payload, over ten topics) through a gateway on a fresh redis-server and
 * reports {@code used_memory} per message, split into the streams' and the dedup buckets' share
 * by {@code MEMORY USAGE}. Beside it, in the same run, the dedup layout it replaced (one key per
 * message id with its own expiry) measured on the same ids, so the saving is read off one table.
 *
 * <p>Run: {@code ./mvnw -q -pl bench -am compile exec:java -Dexec.mainClass=io.tidegate.bench.RedisMemoryReport -Dexec.args="100000 64"}.
 * Single-threaded; not part of the gateway.
 */
public final class RedisMemoryReport {

    private static final int TOPICS = 10;

    private RedisMemoryReport() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int payload = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        try (RedisServer redis = RedisServer.start();
             EmbeddedGateway gateway = EmbeddedGateway.startOnLoopback("backend.redis.uri=" + redis.uri(),
                     "backend.redis.key-prefix=mem", "otel.metrics.enabled=false");
             TidegateClient client = TidegateClient.builder().endpoints(gateway.target()).clientName("memory-report").build()) {
            RedisClient lettuce = RedisClient.create(redis.uri());
            try (StatefulRedisConnection<String, String> connection = lettuce.connect()) {
                var sync = connection.sync();
                List<String> ids = new ArrayList<>(n);
                List<String> entries = new ArrayList<>(n);
                long before = usedMemory(sync.info("memory"));
                publish(client, n, payload, ids, entries);
                long after = usedMemory(sync.info("memory"));
                long streams = memoryOf(sync, sync.keys("mem:s:*"));
                long dedup = memoryOf(sync, sync.keys("mem:dd:*"));
                long legacy = perMessageKeys(connection.async(), sync, ids, entries);
                print(n, payload, after - before, streams, dedup, legacy);
            } finally {
                lettuce.shutdown();
            }
        }
        System.exit(0);
    }

    private static void publish(TidegateClient client, int n, int payloadBytes, List<String> ids, List<String> entries) {
        byte[] payload = new byte[payloadBytes];
        List<CompletableFuture<PublishReceipt>> receipts = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String id = UUID.randomUUID().toString();
            ids.add(id);
            receipts.add(client.publish(Message.newBuilder().setTopic("data.quotes.VENUE.SYM" + (i % TOPICS)).setId(id)
                    .setPayload(ByteString.copyFrom(payload)).build()));
        }
        client.flush();
        for (CompletableFuture<PublishReceipt> r : receipts) {
            entries.add(r.join().position().entryId());
        }
    }

    /** The replaced layout on the same ids: a key per id holding its entry id, with the window as expiry. */
    private static long perMessageKeys(RedisAsyncCommands<String, String> async,
                                       io.lettuce.core.api.sync.RedisCommands<String, String> sync,
                                       List<String> ids, List<String> entries) throws Exception {
        long before = usedMemory(sync.info("memory"));
        List<CompletableFuture<String>> sets = new ArrayList<>(ids.size());
        SetArgs window = SetArgs.Builder.px(TimeUnit.MINUTES.toMillis(2));
        for (int i = 0; i < ids.size(); i++) {
            String topic = "data.quotes.VENUE.SYM" + (i % TOPICS);
            sets.add(async.set("old:d:{" + topic + "}:" + ids.get(i), entries.get(i), window).toCompletableFuture());
        }
        CompletableFuture.allOf(sets.toArray(CompletableFuture[]::new)).get(1, TimeUnit.MINUTES);
        return usedMemory(sync.info("memory")) - before;
    }

    private static long memoryOf(io.lettuce.core.api.sync.RedisCommands<String, String> sync, List<String> keys) {
        long sum = 0;
        for (String key : keys) {
            Long usage = sync.memoryUsage(key);
            sum += usage == null ? 0 : usage;
        }
        return sum;
    }

    private static long usedMemory(String info) {
        for (String line : info.split("\r?\n")) {
            if (line.startsWith("used_memory:")) {
                return Long.parseLong(line.substring("used_memory:".length()).trim());
            }
        }
        throw new IllegalStateException("INFO memory has no used_memory");
    }

    private static void print(int n, int payload, long used, long streams, long dedup, long legacy) {
        System.out.printf(Locale.ROOT, "%d messages, %d-byte payloads, 36-char ids, %d topics, dedup-window 2m%n",
                n, payload, TOPICS);
        System.out.println("| what | bytes per message |");
        System.out.println("|---|---|");
        System.out.printf(Locale.ROOT, "| used_memory growth, all of it | %.1f |%n", (double) used / n);
        System.out.printf(Locale.ROOT, "| streams (MEMORY USAGE) | %.1f |%n", (double) streams / n);
        System.out.printf(Locale.ROOT, "| dedup buckets (MEMORY USAGE) | %.1f |%n", (double) dedup / n);
        System.out.printf(Locale.ROOT, "| dedup as one key per id (used_memory growth, same ids) | %.1f |%n",
                (double) legacy / n);
    }
}
