package io.tidegate.bench;

import com.google.protobuf.ByteString;
import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.proto.v1.Message;
import io.tidegate.sdk.SubscriptionOptions;
import io.tidegate.sdk.TidegateClient;
import io.tidegate.testkit.TestPki;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.UnaryOperator;
import org.HdrHistogram.Histogram;

/**
 * What transport security costs, side by side in one run: five gateways in this JVM (memory
 * backend, loopback), in plaintext, with TLS, with TLS and a bearer token, with TLS, a token and
 * topic ACL rules checked on every publish and subscription, and with mutual TLS, each with one
 * Java SDK publisher and one subscriber connected the way a user would connect.
 * Rounds visit the five in turn (the order rotating each round), so drift of a shared machine
 * lands on all five alike. Each visit measures
 * <ul>
 *   <li>throughput: messages delivered per second while the publisher keeps
 *       {@code in-flight} publishes open (as fast as the gateway takes them);</li>
 *   <li>latency: publish→deliver p50 and p99 (nanosecond stamp in the payload, same clock) at a
 *       fixed rate well below saturation, so it shows the path's cost rather than queueing;</li>
 *   <li>connect: time from building a client to its stream being open (TCP, TLS handshake, token
 *       check, Hello/Welcome), median of a few.</li>
 * </ul>
 * Certificates come from {@link TestPki} (EC P-256), made at start.
 *
 * <p>Usage: {@code SecurityCost [rounds (5)] [window seconds (4)] [latency rate msg/s (2000)]
 * [payload bytes (200)]}. Threading: the main thread drives; clients and gateways have their own.
 */
public final class SecurityCost {

    private static final int IN_FLIGHT = 2_000;
    private static final int CONNECTS = 5;
    /** Rules shaped like a deployment's: several roles, allows and denies, the caller's among them. */
    private static final String ACL_RULES = """
            rules = [
              { who = "role:trader", publish-allow = ["exec.commands.BINANCE.>"],
                subscribe-allow = ["data.>", "exec.events.BINANCE.>"], join-groups = ["strategies"] }
              { who = "id:binance-adapter", publish-allow = ["exec.events.BINANCE.>", "data.>"],
                subscribe-allow = ["exec.commands.BINANCE.>"] }
              { who = "role:bench", publish-allow = ["bench.>"], publish-deny = ["bench.*.admin.>"],
                subscribe-allow = ["bench.>", "data.>"], subscribe-deny = ["exec.>"] }
              { who = "*", subscribe-allow = ["data.>"], subscribe-deny = ["exec.>"] }
            ]
            """;

    private SecurityCost() {
    }

    /** The ways of connecting compared. */
    enum Mode {
        PLAINTEXT("plaintext"), TLS("TLS"), TLS_TOKEN("TLS + token"), TLS_TOKEN_ACL("TLS + token + ACL"), MTLS("mTLS");

        final String label;

        Mode(String label) {
            this.label = label;
        }
    }

    /** One gateway and how a client connects to it. */
    private record Setup(EmbeddedGateway gateway, UnaryOperator<TidegateClient.Builder> client) {
    }

    /** The sums of one mode over all rounds. */
    private static final class Totals {
        long delivered;
        double seconds;
        final Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        final List<Long> connectNanos = new ArrayList<>();
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        long windowMillis = (args.length > 1 ? Long.parseLong(args[1]) : 4) * 1000;
        int rate = args.length > 2 ? Integer.parseInt(args[2]) : 2_000;
        int payloadBytes = args.length > 3 ? Integer.parseInt(args[3]) : 200;
        Path dir = Files.createTempDirectory("tidegate-security-cost");
        Map<Mode, Setup> setups = setups(dir);
        Map<Mode, Totals> totals = new EnumMap<>(Mode.class);
        for (Mode m : Mode.values()) {
            totals.put(m, new Totals());
        }
        try {
            // warm-up: every path once, not counted
            for (Mode m : Mode.values()) {
                visit(setups.get(m), new Totals(), windowMillis, rate, payloadBytes);
            }
            Mode[] order = Mode.values();
            for (int round = 0; round < rounds; round++) {
                for (int i = 0; i < order.length; i++) {
                    Mode m = order[(i + round) % order.length];
                    visit(setups.get(m), totals.get(m), windowMillis, rate, payloadBytes);
                }
                System.out.printf(Locale.ROOT, "round %d of %d done%n", round + 1, rounds);
            }
        } finally {
            for (Setup s : setups.values()) {
                s.gateway().close();
            }
        }
        print(totals, rounds, windowMillis, rate, payloadBytes);
    }

    private static Map<Mode, Setup> setups(Path dir) throws Exception {
        TestPki pki = new TestPki("security-cost");
        Path ca = pki.writeCa(dir.resolve("ca.pem"));
        Path serverChain = dir.resolve("server-chain.pem");
        Path serverKey = dir.resolve("server.key");
        pki.write(pki.server(), serverChain, serverKey);
        Path clientChain = dir.resolve("client-chain.pem");
        Path clientKey = dir.resolve("client.key");
        pki.write(pki.client("bench", "spiffe://bench/client"), clientChain, clientKey);
        String token = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(("bench-" + System.nanoTime()).getBytes(StandardCharsets.UTF_8)));
        String tokenHash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(token.getBytes(StandardCharsets.UTF_8)));
        // the retained log of every visit's topic stays small, so the runs measure the connection, not the heap
        String[] tls = {"retention.max-length=20000", "security.tls.cert-chain-file=" + serverChain,
                        "security.tls.private-key-file=" + serverKey};
        Path rules = Files.writeString(dir.resolve("acl.conf"), ACL_RULES);
        Map<Mode, Setup> setups = new EnumMap<>(Mode.class);
        setups.put(Mode.PLAINTEXT, new Setup(EmbeddedGateway.startOnLoopback("retention.max-length=20000"), b -> b));
        setups.put(Mode.TLS, new Setup(EmbeddedGateway.startOnLoopback(tls), b -> b.tls(ca)));
        setups.put(Mode.TLS_TOKEN, new Setup(EmbeddedGateway.startOnLoopback(concat(tls,
                "security.api-tokens.bench.sha256=" + tokenHash, "security.api-tokens.bench.roles=[bench]")),
                b -> b.tls(ca).bearerToken(token)));
        setups.put(Mode.TLS_TOKEN_ACL, new Setup(EmbeddedGateway.startOnLoopback(concat(tls,
                "security.api-tokens.bench.sha256=" + tokenHash, "security.api-tokens.bench.roles=[bench]",
                "security.acl.enabled=true", "security.acl.file=" + rules)),
                b -> b.tls(ca).bearerToken(token)));
        setups.put(Mode.MTLS, new Setup(EmbeddedGateway.startOnLoopback(concat(tls,
                "security.tls.client-ca-file=" + ca, "security.tls.client-auth=require")),
                b -> b.tls(ca).clientCertificate(clientChain, clientKey)));
        return setups;
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private static TidegateClient connect(Setup s, String name) throws InterruptedException {
        TidegateClient c = s.client().apply(TidegateClient.builder().endpoints("localhost:" + s.gateway().grpcPort())
                .clientName(name)).build();
        if (!c.awaitConnected(Duration.ofSeconds(15))) {
            c.close();
            throw new IllegalStateException(name + " did not connect to " + s.gateway().target());
        }
        return c;
    }

    /** One visit of a mode: connect times, a saturated window, a paced window. */
    private static void visit(Setup s, Totals t, long windowMillis, int rate, int payloadBytes) throws Exception {
        for (int i = 0; i < CONNECTS; i++) {
            long t0 = System.nanoTime();
            TidegateClient c = connect(s, "connect-" + i);
            t.connectNanos.add(System.nanoTime() - t0);
            c.close();
        }
        String topic = "bench.security." + System.nanoTime();
        Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        LongAdder delivered = new LongAdder();
        LongAdder acknowledged = new LongAdder();
        AtomicBoolean recording = new AtomicBoolean();
        try (TidegateClient sub = connect(s, "sub"); TidegateClient pub = connect(s, "pub")) {
            sub.subscribe(SubscriptionOptions.builder().patterns(topic).credit(10_000).build(), m -> {
                long now = System.nanoTime();
                delivered.increment();
                if (recording.get()) {
                    long stamp = ByteBuffer.wrap(m.message().getPayload().toByteArray(), 0, 8).getLong();
                    synchronized (latency) {
                        latency.recordValue(Math.max(0, Math.min(now - stamp, latency.getHighestTrackableValue())));
                    }
                }
            });
            Thread.sleep(200); // the subscription is in place before the first publish
            byte[] filler = new byte[Math.max(8, payloadBytes)];
            // saturated: as fast as the gateway acknowledges, IN_FLIGHT open publishes
            Semaphore open = new Semaphore(IN_FLIGHT);
            long d0 = delivered.sum();
            acknowledged.reset();
            long start = System.nanoTime();
            long end = start + TimeUnit.MILLISECONDS.toNanos(windowMillis);
            while (System.nanoTime() < end) {
                open.acquire();
                pub.publish(message(topic, filler)).whenComplete((r, e) -> {
                    if (e == null) {
                        acknowledged.increment();
                    }
                    open.release();
                });
            }
            long d1 = delivered.sum();
            t.delivered += d1 - d0;
            t.seconds += (System.nanoTime() - start) / 1e9;
            open.acquire(IN_FLIGHT); // every publish answered
            open.release(IN_FLIGHT);
            long drainUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (delivered.sum() - d0 < acknowledged.sum() && System.nanoTime() < drainUntil) {
                Thread.sleep(10); // the backlog must not reach the latency window
            }
            // paced: latency at a fixed rate
            recording.set(true);
            long interval = 1_000_000_000L / rate;
            long next = System.nanoTime();
            end = next + TimeUnit.MILLISECONDS.toNanos(windowMillis);
            while (next < end) {
                while (System.nanoTime() < next) {
                    Thread.onSpinWait();
                }
                pub.publish(message(topic, filler));
                next += interval;
            }
            Thread.sleep(500); // the last ones arrive
            recording.set(false);
        }
        synchronized (latency) {
            t.latency.add(latency);
        }
    }

    private static Message message(String topic, byte[] filler) {
        ByteBuffer.wrap(filler).putLong(0, System.nanoTime());
        return Message.newBuilder().setTopic(topic).setPayload(ByteString.copyFrom(filler)).build();
    }

    private static void print(Map<Mode, Totals> totals, int rounds, long windowMillis, int rate, int payloadBytes) {
        System.out.printf(Locale.ROOT, "%n%d rounds of %d s windows per mode, %d-byte payloads, latency at %,d msg/s, %d CPUs%n",
                rounds, windowMillis / 1000, payloadBytes, rate, Runtime.getRuntime().availableProcessors());
        System.out.println("| connection | msg/s delivered (saturated) | publish→deliver p50 | p99 | connect (median) |");
        System.out.println("|---|---|---|---|---|");
        double base = totals.get(Mode.PLAINTEXT).delivered / totals.get(Mode.PLAINTEXT).seconds;
        for (Mode m : Mode.values()) {
            Totals t = totals.get(m);
            double perSecond = t.delivered / t.seconds;
            List<Long> connects = new ArrayList<>(t.connectNanos);
            connects.sort(Long::compare);
            System.out.printf(Locale.ROOT, "| %s | %,.0f (%+.0f %%) | %.0f µs | %.0f µs | %.1f ms |%n", m.label, perSecond,
                    100 * (perSecond / base - 1), t.latency.getValueAtPercentile(50) / 1e3,
                    t.latency.getValueAtPercentile(99) / 1e3, connects.get(connects.size() / 2) / 1e6);
        }
    }
}
