package io.tidegate.gateway.server;

import static io.tidegate.gateway.server.TestMessages.broadcast;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.proto.v1.Delivery;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.PublishResult;
import io.tidegate.proto.v1.ConnectResponse;
import io.tidegate.proto.v1.StartPosition;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 4, fault test 1 on the publish side: a real redis-server (AOF, fsync always, so its own
 * data survives) is SIGKILLed while a client publishes continuously to a gateway, and restarted
 * on the same port a few seconds later. Publishes keep being acknowledged from the gateway's disk
 * spool during the outage; afterwards every acknowledged message is in Redis, in publish order
 * per topic, exactly once; a subscriber on the same gateway receives them all.
 */
class RedisOutageSpoolTest {

    private static final String[] TOPICS = {"outage.a", "outage.b", "outage.c"};

    @TempDir
    Path tmp;

    @Test
    void publishesAreSpooledDuringARedisOutageAndReplayedInOrder() throws Exception {
        int port = freePort();
        Path redisDir = Files.createDirectories(tmp.resolve("redis"));
        Process redis = startRedis(port, redisDir);
        String uri = "redis://127.0.0.1:" + port;
        try (EmbeddedGateway gateway = EmbeddedGateway.startOnLoopback("backend.redis.uri=" + uri,
                "http.port=0", "resilience.spool.dir=" + tmp.resolve("spool"),
                "resilience.breaker.open-wait=300ms", "resilience.call-timeout=1s");
             FrameClient pub = FrameClient.connected(gateway.target());
             FrameClient live = FrameClient.connected(gateway.target())) {
            live.await(live.subscribe(broadcast("live", "outage.>").setInitialCredit(1_000_000)));

            Map<String, Integer> refused = new TreeMap<>();
            Set<String> acked = new HashSet<>();
            int sent = 0;
            int answered = 0;
            int spooled = 0;
            boolean sawSpoolingReady = false;
            long start = System.nanoTime();
            boolean killed = false;
            boolean restarted = false;
            while (millisSince(start) < 9_000) {
                long t = millisSince(start);
                if (!killed && t >= 2_000) {
                    redis.destroyForcibly().waitFor(5, TimeUnit.SECONDS); // SIGKILL, mid-stream
                    killed = true;
                }
                if (killed && !restarted && t >= 5_000) {
                    redis = startRedis(port, redisDir);
                    restarted = true;
                }
                if (killed && !restarted && t >= 4_000 && !sawSpoolingReady) {
                    String readyz = get(gateway.httpPort(), "/readyz");
                    sawSpoolingReady = readyz.startsWith("200 ready; backend unreachable, spooling publishes");
                }
                pub.publish(batch(sent, 30));
                sent += 30;
                for (ConnectResponse f : pub.drainFrames()) {
                    for (PublishResult r : f.getPublishAck().getResultsList()) {
                        answered++;
                        if (r.hasError()) {
                            refused.merge(r.getError().getMessage().replaceAll("\\(.*\\)", "(...)"), 1, Integer::sum);
                        } else {
                            acked.add(r.getMessageId());
                            if (r.getSpooled()) {
                                spooled++;
                                assertThat(r.hasPosition()).isFalse();
                            }
                        }
                    }
                }
                Thread.sleep(10);
            }
            long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (answered < sent && System.nanoTime() < waitUntil) {
                for (ConnectResponse f : pub.drainFrames()) {
                    for (PublishResult r : f.getPublishAck().getResultsList()) {
                        answered++;
                        if (r.hasError()) {
                            refused.merge(r.getError().getMessage(), 1, Integer::sum);
                        } else {
                            acked.add(r.getMessageId());
                            spooled += r.getSpooled() ? 1 : 0;
                        }
                    }
                }
                Thread.sleep(10);
            }
            // the spool drains into the restarted Redis, then the gateway reports plain "ready"
            long drainedBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            String readyz;
            while (!(readyz = get(gateway.httpPort(), "/readyz")).equals("200 ready") && System.nanoTime() < drainedBy) {
                Thread.sleep(50);
            }

            Map<String, List<Integer>> stored = readBack(uri);
            List<String> liveIds = new ArrayList<>();
            List<Delivery> got;
            long liveUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (liveIds.size() < acked.size() && System.nanoTime() < liveUntil) {
                while (!(got = live.pollDeliveries("live", 500)).isEmpty()) {
                    got.forEach(d -> liveIds.add(d.getMessage().getId()));
                }
            }

            Set<String> storedIds = new HashSet<>();
            int duplicates = 0;
            int outOfOrder = 0;
            for (var e : stored.entrySet()) {
                int last = -1;
                for (int n : e.getValue()) {
                    if (!storedIds.add(e.getKey() + "-" + n)) {
                        duplicates++;
                    }
                    if (n <= last) {
                        outOfOrder++;
                    }
                    last = n;
                }
            }
            Set<String> lost = new HashSet<>(acked);
            lost.removeAll(storedIds);
            Set<String> liveMissing = new HashSet<>(acked);
            liveMissing.removeAll(liveIds);
            System.out.printf("redis outage: sent=%d answered=%d acked=%d spooled=%d refused=%s stored=%d lost=%d "
                            + "duplicates=%d outOfOrder=%d liveReceived=%d liveMissing=%d readyzDuringOutage=%s readyzAfter=%s%n",
                    sent, answered, acked.size(), spooled, refused, storedIds.size(), lost.size(), duplicates, outOfOrder,
                    liveIds.size(), liveMissing.size(), sawSpoolingReady, readyz);

            assertThat(answered).as("every publish answered").isEqualTo(sent);
            assertThat(spooled).as("publishes acknowledged from the spool during the outage").isPositive();
            assertThat(sawSpoolingReady).as("/readyz stays 200 and says it is spooling").isTrue();
            assertThat(readyz).isEqualTo("200 ready");
            assertThat(lost).as("acknowledged but not in Redis").isEmpty();
            assertThat(duplicates).isZero();
            assertThat(outOfOrder).isZero();
            assertThat(liveMissing).as("acknowledged but not received by the subscriber on the same gateway").isEmpty();
        } finally {
            redis.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }

    private static long millisSince(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    /** Message n goes to topic n % 3 with id "<topic>-<n>". */
    private static Message[] batch(int from, int n) {
        Message[] batch = new Message[n];
        for (int i = 0; i < n; i++) {
            String topic = TOPICS[(from + i) % TOPICS.length];
            batch[i] = Message.newBuilder().setTopic(topic).setId(topic + "-" + (from + i))
                    .setPayload(ByteString.copyFromUtf8("x".repeat(100))).build();
        }
        return batch;
    }

    /** Per topic, the message numbers in stream order. */
    private static Map<String, List<Integer>> readBack(String uri) throws InterruptedException {
        Map<String, List<Integer>> stored = new HashMap<>();
        try (EmbeddedGateway reader = EmbeddedGateway.startOnLoopback("backend.redis.uri=" + uri, "resilience.enabled=false");
             FrameClient sub = FrameClient.connected(reader.target())) {
            for (String topic : TOPICS) {
                List<Integer> numbers = new ArrayList<>();
                sub.await(sub.subscribe(broadcast(topic, topic).setInitialCredit(1_000_000)
                        .setStart(StartPosition.newBuilder().setKind(StartPosition.Kind.KIND_EARLIEST))));
                List<Delivery> got;
                while (!(got = sub.pollDeliveries(topic, 1000)).isEmpty()) {
                    got.forEach(d -> {
                        String id = d.getMessage().getId();
                        numbers.add(Integer.parseInt(id.substring(id.lastIndexOf('-') + 1)));
                    });
                }
                stored.put(topic, numbers);
            }
        }
        return stored;
    }

    private static Process startRedis(int port, Path dir) throws IOException, InterruptedException {
        String exe = System.getProperty("tidegate.redis-server", System.getenv("REDIS_SERVER"));
        if (exe == null || exe.isBlank()) {
            exe = "redis-server";
            for (String p : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
                if (!p.isEmpty() && Files.isExecutable(Path.of(p, "redis-server"))) {
                    exe = Path.of(p, "redis-server").toString();
                    break;
                }
            }
        }
        Process p = new ProcessBuilder(exe, "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "yes", "--appendfsync", "always", "--dir", dir.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                s.setSoTimeout(1000);
                s.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
                byte[] buf = new byte[7];
                int n = s.getInputStream().read(buf);
                if (n > 0 && new String(buf, 0, n, StandardCharsets.US_ASCII).startsWith("+PONG")) {
                    return p;
                }
            } catch (IOException e) {
                // not up yet, or still loading the AOF
            }
            Thread.sleep(20);
        }
        p.destroyForcibly();
        throw new IllegalStateException("redis-server did not come up on port " + port + ": "
                + Files.readString(dir.resolve("redis.log")));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** "status body-without-trailing-newline". */
    private static String get(int port, String path) throws IOException, InterruptedException {
        HttpResponse<String> r = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        return r.statusCode() + " " + r.body().strip();
    }
}
