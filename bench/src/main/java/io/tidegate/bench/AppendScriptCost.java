package io.tidegate.bench;

import com.google.protobuf.ByteString;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.tidegate.proto.v1.Message;
import io.tidegate.testkit.RedisServer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * What one appended message costs Redis's single thread, for the gateway's {@code append.lua} and
 * for the script it replaced (one HGET per dedup bucket and one HSET per message, kept in this
 * module as {@code append-hget-per-message.lua}), side by side in one run on one fresh
 * redis-server. Both get the same calls the gateway's writer makes (defaults: 2-minute window in
 * four buckets, {@code MAXLEN ~ 1000000}), with UUID ids and a Message of {@code payload} bytes,
 * in runs of 1, 16 and 128 messages per call, pipelined. Per message it reads {@code INFO
 * commandstats} (EVALSHA's own microseconds, the commands the script dispatches) and {@code INFO
 * cpu} (the server's user+system CPU, which also holds reading and parsing the calls).
 *
 * <p>Run: {@code ./mvnw -B -ntp -q -pl bench -am compile exec:java -Dexec.mainClass=io.tidegate.bench.AppendScriptCost -Dexec.args="200000 200 2"}
 * (messages per row, payload bytes, rounds). Single-threaded; not part of the gateway.
 */
public final class AppendScriptCost {

    private static final int[] RUN_SIZES = {1, 16, 128};
    /** Messages in flight per pipelined round: enough to keep Redis busy, bounded client memory. */
    private static final int PIPELINE_MESSAGES = 2048;
    private static final byte[] MAX_LENGTH = ascii("1000000");
    private static final byte[] WINDOW_MS = ascii(Long.toString(TimeUnit.MINUTES.toMillis(2)));
    private static final byte[] BUCKET_MS = ascii(Long.toString(TimeUnit.SECONDS.toMillis(30)));

    private AppendScriptCost() {
    }

    /** One script as the bench loads it. */
    private record Script(String name, byte[] body) {
    }

    /** One row's figures, per appended message. */
    private record Row(int runSize, String script, double evalshaMicros, double cpuMicros, double innerCommands) {
    }

    public static void main(String[] args) throws Exception {
        int messages = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int payload = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        List<Script> scripts = List.of(
                new Script("per-message HGET/HSET (replaced)", resource(AppendScriptCost.class, "append-hget-per-message.lua")),
                new Script("per-run HMGET/HSET (append.lua)", resource(AppendScriptCost.class,
                        "/io/tidegate/gateway/backend/redis/append.lua")));
        List<Row> rows = new ArrayList<>();
        try (RedisServer server = RedisServer.start()) {
            RedisClient client = RedisClient.create(server.uri());
            try (StatefulRedisConnection<byte[], byte[]> connection = client.connect(ByteArrayCodec.INSTANCE)) {
                connection.setAutoFlushCommands(false);
                for (int round = 0; round < rounds; round++) {
                    for (int runSize : RUN_SIZES) {
                        for (Script script : scripts) {
                            rows.add(measure(server, connection, script, runSize, messages, payload));
                        }
                    }
                }
            } finally {
                client.shutdown();
            }
        }
        print(messages, payload, rounds, rows);
        System.exit(0);
    }

    private static Row measure(RedisServer server, StatefulRedisConnection<byte[], byte[]> connection, Script script,
                               int runSize, int messages, int payloadBytes) throws Exception {
        server.flushAll();
        RedisAsyncCommands<byte[], byte[]> redis = connection.async();
        RedisFuture<String> sha = redis.scriptLoad(script.body());
        connection.flushCommands();
        String loaded = sha.get(1, TimeUnit.MINUTES);
        String topic = "bench.append.T" + runSize;
        byte[][] keys = {ascii("b:s:{" + topic + "}"), ascii("b:dd:{" + topic + "}")};
        byte[] payload = new byte[payloadBytes];
        server.command("CONFIG RESETSTAT");
        double cpuBefore = cpuSeconds(server);
        int sent = 0;
        while (sent < messages) {
            List<RedisFuture<List<Object>>> replies = new ArrayList<>();
            int inRound = 0;
            while (inRound < PIPELINE_MESSAGES && sent < messages) {
                int n = Math.min(runSize, messages - sent);
                replies.add(redis.evalsha(loaded, ScriptOutputType.MULTI, keys, args(topic, n, payload)));
                sent += n;
                inRound += n;
            }
            connection.flushCommands();
            for (RedisFuture<List<Object>> reply : replies) {
                reply.get(1, TimeUnit.MINUTES);
            }
        }
        double cpu = cpuSeconds(server) - cpuBefore;
        Map<String, long[]> stats = commandStats(server);
        long[] evalsha = stats.getOrDefault("evalsha", new long[2]);
        long inner = stats.entrySet().stream()
                .filter(e -> !e.getKey().equals("evalsha") && !e.getKey().equals("config|resetstat")
                        && !e.getKey().equals("info"))
                .mapToLong(e -> e.getValue()[0]).sum();
        return new Row(runSize, script.name(), (double) evalsha[1] / messages, cpu * 1e6 / messages,
                (double) inner / messages);
    }

    /** The writer's argument layout: max length, window, bucket, then id, Message bytes, accepted-at per message. */
    private static byte[][] args(String topic, int n, byte[] payload) {
        byte[][] args = new byte[3 + 3 * n][];
        args[0] = MAX_LENGTH;
        args[1] = WINDOW_MS;
        args[2] = BUCKET_MS;
        for (int i = 0; i < n; i++) {
            String id = UUID.randomUUID().toString();
            args[3 + 3 * i] = ascii(id);
            args[4 + 3 * i] = Message.newBuilder().setTopic(topic).setId(id).setPayload(ByteString.copyFrom(payload))
                    .build().toByteArray();
            args[5 + 3 * i] = ascii(Long.toString(System.currentTimeMillis() * 1_000_000L));
        }
        return args;
    }

    /** used_cpu_sys + used_cpu_user of the server process, seconds. */
    private static double cpuSeconds(RedisServer server) {
        double sum = 0;
        for (String line : server.commandText("INFO cpu").split("\r?\n")) {
            if (line.startsWith("used_cpu_sys:") || line.startsWith("used_cpu_user:")) {
                sum += Double.parseDouble(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        return sum;
    }

    /** Per command: {calls, usec}. */
    private static Map<String, long[]> commandStats(RedisServer server) {
        Map<String, long[]> stats = new TreeMap<>();
        for (String line : server.commandText("INFO commandstats").split("\r?\n")) {
            if (line.startsWith("cmdstat_")) {
                String name = line.substring("cmdstat_".length(), line.indexOf(':'));
                stats.put(name, new long[] {field(line, "calls="), field(line, "usec=")});
            }
        }
        return stats;
    }

    private static long field(String line, String name) {
        int from = line.indexOf(name) + name.length();
        int to = line.indexOf(',', from);
        return Long.parseLong(line.substring(from, to < 0 ? line.length() : to).trim());
    }

    private static void print(int messages, int payload, int rounds, List<Row> rows) {
        System.out.printf(Locale.ROOT, "append.lua cost to Redis: %,d messages per row, UUID ids, %d-byte payloads, "
                + "dedup-window 2m (4 buckets), pipelined, %d round(s)%n", messages, payload, rounds);
        System.out.println("| messages per call | script | EVALSHA µs per message | Redis CPU µs per message "
                + "| commands the script runs per message |");
        System.out.println("|---|---|---|---|---|");
        for (Row r : rows) {
            System.out.printf(Locale.ROOT, "| %d | %s | %.2f | %.2f | %.2f |%n",
                    r.runSize(), r.script(), r.evalshaMicros(), r.cpuMicros(), r.innerCommands());
        }
        System.out.println("rerun: ./mvnw -B -ntp -q -pl bench -am compile exec:java "
                + "-Dexec.mainClass=io.tidegate.bench.AppendScriptCost -Dexec.args=\"" + messages + " " + payload + " "
                + rounds + "\"");
    }

    private static byte[] resource(Class<?> anchor, String name) throws IOException {
        try (InputStream in = anchor.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is missing from the classpath");
            }
            return in.readAllBytes();
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
