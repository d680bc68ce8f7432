package io.tidegate.examples.conformance;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.tidegate.proto.v1.ConnectRequest;
import io.tidegate.proto.v1.GatewayServiceGrpc;
import io.tidegate.proto.v1.Hello;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.ConnectResponse;
import io.tidegate.proto.v1.Subscribe;
import io.tidegate.sdk.AckMode;
import io.tidegate.sdk.ConnectionListener;
import io.tidegate.sdk.PublishReceipt;
import io.tidegate.sdk.StreamPosition;
import io.tidegate.sdk.Subscription;
import io.tidegate.sdk.SubscriptionMode;
import io.tidegate.sdk.SubscriptionOptions;
import io.tidegate.sdk.SubscriptionStart;
import io.tidegate.sdk.TidegateClient;
import io.tidegate.sdk.TidegateException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * Runs conformance/scenario.json with the Java SDK against a gateway and prints PASS/FAIL per
 * step and a total; exits 0 only when every step passed. The Java counterpart of
 * conformance/run_python.py, step by step.
 *
 * <pre>
 * java -cp ... io.tidegate.examples.conformance.ConformanceRunner --endpoint 127.0.0.1:7400 \
 *     --scenario conformance/scenario.json
 * # a gateway with TLS and tokens (or --cert/--key for mTLS):
 * ... --ca ca.pem --token-file conformance.token
 * </pre>
 *
 * <p>The SDK itself refuses two of the bad subscriptions before they reach the wire (no pattern,
 * GROUP without a group name: {@link SubscriptionOptions.Builder#build()} throws). For those the
 * runner checks that refusal and then sends the frame as given on a raw Connect stream of the
 * generated stub, so the gateway's answer is checked by every client alike.
 */
public final class ConformanceRunner {

    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final String USAGE = "usage: ConformanceRunner [--endpoint HOST:PORT] [--scenario conformance/scenario.json]"
            + " [--ca CA.pem] [--cert CHAIN.pem --key KEY.pem] [--token-file FILE]";

    /**
     * How to reach a secured gateway: the CA to trust (null: plaintext unless a client
     * certificate is given), the client certificate for mTLS, the file holding the bearer token.
     */
    record Security(Path ca, Path cert, Path key, Path tokenFile) {

        static final Security NONE = new Security(null, null, null, null);

        boolean tls() {
            return ca != null || cert != null;
        }

        /** The token in the file, read on every connect; IllegalArgumentException naming the file when unusable. */
        String token() {
            try {
                String t = Files.readString(tokenFile, StandardCharsets.UTF_8).trim();
                if (t.isEmpty()) {
                    throw new IllegalArgumentException("--token-file " + tokenFile + " is empty");
                }
                return t;
            } catch (IOException e) {
                throw new IllegalArgumentException("--token-file " + tokenFile + " cannot be read: " + e.getMessage(), e);
            }
        }

        TidegateClient.Builder apply(TidegateClient.Builder b, String token) {
            if (ca != null) {
                b.tls(ca);
            }
            if (cert != null) {
                b.clientCertificate(cert, key);
            }
            if (token != null) {
                b.bearerToken(token);
            } else if (tokenFile != null) {
                b.bearerToken(this::token);
            }
            return b;
        }
    }

    /** A step's expectation did not hold. */
    static final class StepFailed extends RuntimeException {
        StepFailed(String what) {
            super(what);
        }
    }

    private final String endpoint;
    private final String run;
    private final Security security;
    private TidegateClient client;

    private ConformanceRunner(String endpoint, String run, Security security) {
        this.endpoint = endpoint;
        this.run = run;
        this.security = security;
    }

    public static void main(String[] args) throws Exception {
        String endpoint = "127.0.0.1:7400";
        Path scenario = Path.of("conformance", "scenario.json");
        Path ca = null;
        Path cert = null;
        Path key = null;
        Path tokenFile = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-h") || a.equals("--help")) {
                System.out.println(USAGE);
                return;
            } else if (a.equals("--endpoint") && i + 1 < args.length) {
                endpoint = args[++i];
            } else if (a.equals("--scenario") && i + 1 < args.length) {
                scenario = Path.of(args[++i]);
            } else if (a.equals("--ca") && i + 1 < args.length) {
                ca = Path.of(args[++i]);
            } else if (a.equals("--cert") && i + 1 < args.length) {
                cert = Path.of(args[++i]);
            } else if (a.equals("--key") && i + 1 < args.length) {
                key = Path.of(args[++i]);
            } else if (a.equals("--token-file") && i + 1 < args.length) {
                tokenFile = Path.of(args[++i]);
            } else {
                System.err.println("bad argument \"" + a + "\"\n" + USAGE);
                System.exit(2);
            }
        }
        if ((cert == null) != (key == null)) {
            System.err.println("--cert and --key go together\n" + USAGE);
            System.exit(2);
        }
        Security security = new Security(ca, cert, key, tokenFile);
        if (tokenFile != null) {
            try {
                security.token();
            } catch (IllegalArgumentException e) {
                System.err.println(e.getMessage());
                System.exit(2);
            }
        }
        System.exit(runScenario(endpoint, scenario, security));
    }

    static int runScenario(String endpoint, Path scenario) throws IOException, InterruptedException {
        return runScenario(endpoint, scenario, Security.NONE);
    }

    static int runScenario(String endpoint, Path scenario, Security security) throws IOException, InterruptedException {
        JsonArray steps = JsonParser.parseString(Files.readString(scenario, StandardCharsets.UTF_8))
                .getAsJsonObject().getAsJsonArray("steps");
        ConformanceRunner r = new ConformanceRunner(endpoint, UUID.randomUUID().toString().replace("-", "").substring(0, 8),
                security);
        int failed = 0;
        r.client = r.newClient("main");
        try {
            for (JsonElement e : steps) {
                JsonObject s = e.getAsJsonObject();
                String name = s.get("name").getAsString();
                long t0 = System.nanoTime();
                try {
                    r.step(s);
                    System.out.printf("PASS  %s  (%d ms)%n", name, (System.nanoTime() - t0) / 1_000_000);
                } catch (Exception ex) { // StepFailed, a status from the gateway, a timeout, or anything unexpected
                    failed++;
                    Throwable cause = ex instanceof ExecutionException && ex.getCause() != null ? ex.getCause() : ex;
                    System.out.printf("FAIL  %s: %s%n", name, ex instanceof StepFailed ? cause.getMessage() : cause.toString());
                }
                System.out.flush();
            }
        } finally {
            r.client.close();
        }
        System.out.printf("conformance (java): %d/%d steps passed%n", steps.size() - failed, steps.size());
        System.out.flush();
        return failed == 0 ? 0 : 1;
    }

    private void step(JsonObject s) throws InterruptedException, TimeoutException, ExecutionException {
        String op = s.get("op").getAsString();
        switch (op) {
            case "publish" -> opPublish(s);
            case "pattern_subscribe" -> opPatternSubscribe(s);
            case "group_share" -> opGroupShare(s);
            case "ack" -> opAck(s);
            case "redelivery" -> opRedelivery(s);
            case "resume" -> opResume(s);
            case "gap" -> opGap(s);
            case "bad_publish" -> opBadPublish(s);
            case "bad_subscribe" -> opBadSubscribe(s);
            case "refused_connect" -> opRefusedConnect(s);
            default -> throw new StepFailed("unknown op \"" + op + "\"");
        }
    }

    // ------------------------------------------------------------------ helpers

    private String t(String s) {
        return s.replace("{run}", run);
    }

    private String t(JsonObject s, String key) {
        return t(s.get(key).getAsString());
    }

    private static int num(JsonObject s, String key) {
        return s.get(key).getAsInt();
    }

    private static void check(boolean cond, String what) {
        if (!cond) {
            throw new StepFailed(what);
        }
    }

    private static boolean until(BooleanSupplier pred, long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!pred.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    private TidegateClient newClient(String name) throws InterruptedException {
        TidegateClient c = security.apply(TidegateClient.builder().endpoints(endpoint)
                .clientName("conformance-java-" + name), null).build();
        if (!c.awaitConnected(WAIT)) {
            c.close();
            throw new StepFailed("client " + name + " did not connect to " + endpoint + " within " + WAIT);
        }
        return c;
    }

    private List<String> publish(TidegateClient c, String topic, int n, String prefix)
            throws InterruptedException, TimeoutException, ExecutionException {
        List<CompletableFuture<PublishReceipt>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            futures.add(c.publish(Message.newBuilder().setId(prefix + "-" + run + "-" + topic + "-" + i).setTopic(topic)
                    .setPayload(ByteString.copyFromUtf8(Integer.toString(i))).build()));
        }
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        List<String> entries = new ArrayList<>();
        for (CompletableFuture<PublishReceipt> f : futures) {
            entries.add(f.join().position().entryId());
        }
        return entries;
    }

    /** Subscribes and waits for the gateway's confirmation (a rejection throws its TidegateException). */
    private static Subscription subscribe(TidegateClient c, SubscriptionOptions o, io.tidegate.sdk.MessageHandler h)
            throws InterruptedException, TimeoutException {
        Subscription sub = c.subscribe(o, h);
        try {
            sub.confirmed().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            sub.close();
            if (e.getCause() instanceof TidegateException te) {
                throw te;
            }
            throw new StepFailed("subscription failed: " + e.getCause());
        } catch (TimeoutException e) {
            sub.close();
            throw e;
        }
        return sub;
    }

    private static void closeAll(List<TidegateClient> clients) {
        for (TidegateClient c : clients) {
            c.close();
        }
    }

    private record Seen(String id, int deliveryCount) {
    }

    // ------------------------------------------------------------------ ops

    private void opPublish(JsonObject s) throws InterruptedException, TimeoutException, ExecutionException {
        int count = num(s, "count");
        List<String> entries = publish(client, t(s, "topic"), count, "m");
        check(entries.size() == count && entries.stream().noneMatch(String::isEmpty), "positions " + entries);
        check(new HashSet<>(entries).size() == entries.size(), "positions not distinct: " + entries);
    }

    private void opPatternSubscribe(JsonObject s) throws InterruptedException, TimeoutException, ExecutionException {
        List<String> got = new CopyOnWriteArrayList<>();
        Subscription sub = subscribe(client, SubscriptionOptions.broadcast(t(s, "pattern")),
                m -> got.add(m.message().getTopic()));
        try {
            for (JsonElement topic : s.getAsJsonArray("publish")) {
                publish(client, t(topic.getAsString()), 1, "pat-" + UUID.randomUUID().toString().substring(0, 8));
            }
            List<String> want = new ArrayList<>();
            s.getAsJsonArray("expect").forEach(x -> want.add(t(x.getAsString())));
            want.sort(null);
            until(() -> got.size() >= want.size(), 10_000);
            Thread.sleep(300); // anything that should not come would come now
            List<String> sorted = new ArrayList<>(got);
            sorted.sort(null);
            check(sorted.equals(want), "received " + sorted + ", want " + want);
        } finally {
            sub.close();
        }
    }

    private void opGroupShare(JsonObject s) throws InterruptedException, TimeoutException, ExecutionException {
        String topic = t(s, "topic");
        String group = t(s, "group");
        int count = num(s, "count");
        int handleMs = num(s, "handle_ms");
        List<TidegateClient> clients = new ArrayList<>();
        List<List<String>> got = new ArrayList<>();
        try {
            for (int i = 0; i < num(s, "members"); i++) {
                clients.add(newClient("member" + i));
                got.add(new CopyOnWriteArrayList<>());
            }
            for (int i = 0; i < clients.size(); i++) {
                List<String> mine = got.get(i);
                subscribe(clients.get(i), SubscriptionOptions.builder().group(group).patterns(topic)
                        .credit(num(s, "credit")).build(), m -> {
                            mine.add(m.message().getId());
                            Thread.sleep(handleMs); // busy: the next message goes to a free member
                        });
            }
            publish(client, topic, count, "m");
            until(() -> got.stream().mapToInt(List::size).sum() >= count, 15_000);
            Thread.sleep(300);
            List<String> all = new ArrayList<>();
            got.forEach(all::addAll);
            List<Integer> sizes = got.stream().map(List::size).toList();
            check(all.size() == count && new HashSet<>(all).size() == count, "members got " + sizes + " messages ("
                    + new HashSet<>(all).size() + " distinct), want " + count + " once");
            check(got.stream().noneMatch(List::isEmpty), "a member got nothing: " + sizes);
        } finally {
            closeAll(clients);
        }
    }

    private void opAck(JsonObject s) throws InterruptedException, TimeoutException, ExecutionException {
        String topic = t(s, "topic");
        int count = num(s, "count");
        TidegateClient c = newClient("ack");
        List<Seen> deliveries = new CopyOnWriteArrayList<>();
        try {
            subscribe(c, SubscriptionOptions.builder().group(t(s, "group")).patterns(topic)
                    .ackDeadline(Duration.ofMillis(num(s, "ack_deadline_ms"))).build(),
                    m -> deliveries.add(new Seen(m.message().getId(), m.deliveryCount()))); // AUTO: acked on return
            publish(client, topic, count, "m");
            until(() -> deliveries.size() >= count, 15_000);
            Thread.sleep(num(s, "quiet_ms")); // past the ack deadline: acked ones must stay quiet
            check(deliveries.size() == count && deliveries.stream().allMatch(d -> d.deliveryCount() == 1),
                    "deliveries " + deliveries + ", want " + count + " first deliveries and no redelivery");
        } finally {
            c.close();
        }
    }

    private void opRedelivery(JsonObject s) throws InterruptedException, TimeoutException, ExecutionException {
        String topic = t(s, "topic");
        String group = t(s, "group");
        int count = num(s, "count");
        Duration deadline = Duration.ofMillis(num(s, "ack_deadline_ms"));
        TidegateClient vanishing = newClient("vanishing");
        List<String> first = new CopyOnWriteArrayList<>();
        boolean ok;
        try {
            subscribe(vanishing, SubscriptionOptions.builder().group(group).patterns(topic).ackMode(AckMode.MANUAL)
                    .ackDeadline(deadline).build(), m -> first.add(m.message().getId())); // never acked
            publish(client, topic, count, "m");
            ok = until(() -> first.size() >= count, 15_000);
        } finally {
            vanishing.close(); // gone without acking
        }
        check(ok, "the first member got " + first.size() + " of " + count);
        TidegateClient heir = newClient("heir");
        List<Seen> second = new CopyOnWriteArrayList<>();
        try {
            subscribe(heir, SubscriptionOptions.builder().group(group).patterns(topic).ackDeadline(deadline).build(),
                    m -> second.add(new Seen(m.message().getId(), m.deliveryCount())));
            until(() -> second.stream().map(Seen::id).distinct().count() >= count, num(s, "timeout_ms"));
            List<String> redelivered = second.stream().map(Seen::id).distinct().sorted().toList();
            List<String> want = first.stream().sorted().toList();
            check(redelivered.equals(want), "redelivered " + second + ", want " + want);
            check(second.stream().allMatch(d -> d.deliveryCount() >= 2), "delivery counts " + second + ", want >= 2");
        } finally {
            heir.close();
        }
    }

    private void opResume(JsonObject s) throws InterruptedException, TimeoutException, ExecutionException {
        String topic = t(s, "topic");
        int before = num(s, "before");
        int after = num(s, "after");
        TidegateClient c = newClient("resume");
        List<String> seen = new CopyOnWriteArrayList<>();
        Map<String, StreamPosition> last;
        boolean ok;
        try {
            Subscription sub = subscribe(c, SubscriptionOptions.builder().patterns(topic)
                    .start(SubscriptionStart.earliest()).build(), m -> seen.add(m.message().getId()));
            publish(client, topic, before, "before");
            ok = until(() -> seen.size() >= before, 10_000);
            last = Map.copyOf(sub.lastPositions());
        } finally {
            c.close();
        }
        check(ok, "got " + seen.size() + " of " + before + " before the reconnect");
        publish(client, topic, after, "after");
        TidegateClient c2 = newClient("resumed");
        List<String> rest = new CopyOnWriteArrayList<>();
        try {
            subscribe(c2, SubscriptionOptions.builder().patterns(topic)
                    .start(SubscriptionStart.after(last.values(), 0)).build(), m -> rest.add(m.message().getId()));
            until(() -> rest.size() >= after, 10_000);
            Thread.sleep(300);
            List<String> want = new ArrayList<>();
            for (int i = 0; i < after; i++) {
                want.add("after-" + run + "-" + topic + "-" + i);
            }
            check(rest.equals(want), "after the reconnect got " + rest + ", want " + want);
        } finally {
            c2.close();
        }
    }

    /**
     * Credit for {@code before} messages, all held by a stalled handler, while {@code after} more
     * are published past retention: then the {@code before}, one Gap counting the lost, and the rest.
     */
    private void opGap(JsonObject s) throws InterruptedException, TimeoutException, ExecutionException {
        String topic = t(s, "topic");
        int before = num(s, "before");
        int after = num(s, "after");
        TidegateClient c = newClient("gap");
        List<Object> seen = new CopyOnWriteArrayList<>();
        java.util.concurrent.CountDownLatch resume = new java.util.concurrent.CountDownLatch(1);
        try {
            Subscription sub = subscribe(c, SubscriptionOptions.builder().patterns(topic).credit(before).build(),
                    new io.tidegate.sdk.MessageHandler() {
                        @Override
                        public void onMessage(io.tidegate.sdk.ReceivedMessage m) throws InterruptedException {
                            seen.add(m.message().getId());
                            resume.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                        }

                        @Override
                        public void onGap(io.tidegate.sdk.RetentionGap gap) {
                            seen.add(gap);
                        }
                    });
            List<String> first = publish(client, topic, before, "before");
            check(until(() -> sub.bufferedMessages() == before, 10_000), sub.bufferedMessages() + " of " + before + " arrived");
            publish(client, topic, after, "after");
            resume.countDown();
            String newest = "after-" + run + "-" + topic + "-" + (after - 1);
            check(until(() -> seen.contains(newest), 15_000), "the newest message did not arrive");
            List<String> wantBefore = new ArrayList<>();
            for (int i = 0; i < before; i++) {
                wantBefore.add("before-" + run + "-" + topic + "-" + i);
            }
            check(seen.subList(0, before).equals(wantBefore), "first " + seen.subList(0, before) + ", want " + wantBefore);
            check(seen.get(before) instanceof io.tidegate.sdk.RetentionGap,
                    "after the first " + before + " got " + seen.get(before) + ", want a Gap");
            io.tidegate.sdk.RetentionGap gap = (io.tidegate.sdk.RetentionGap) seen.get(before);
            List<Object> rest = seen.subList(before + 1, seen.size());
            check(rest.stream().allMatch(String.class::isInstance), "more than one Gap");
            check(gap.from().map(StreamPosition::entryId).orElse("").equals(first.get(before - 1)),
                    "gap from " + gap.from() + ", want " + first.get(before - 1));
            check(gap.lost().isPresent() && gap.lost().getAsLong() == after - rest.size() && rest.size() < after,
                    "gap lost " + gap.lost() + ", " + rest.size() + " of " + after + " came");
            List<String> wantRest = new ArrayList<>();
            for (int i = after - rest.size(); i < after; i++) {
                wantRest.add("after-" + run + "-" + topic + "-" + i);
            }
            check(rest.equals(wantRest), "the rest is not the newest messages in order");
        } finally {
            resume.countDown();
            c.close();
        }
    }

    private void opBadPublish(JsonObject s) throws InterruptedException, TimeoutException {
        JsonObject m = s.getAsJsonObject("message");
        Message msg = Message.newBuilder().setId("bad-" + UUID.randomUUID())
                .setTopic(t(m.has("topic") ? m.get("topic").getAsString() : ""))
                .setPriorityValue(m.has("priority") ? m.get("priority").getAsInt() : 0)
                .setPayload(ByteString.copyFrom(new byte[m.has("payload_bytes") ? m.get("payload_bytes").getAsInt() : 1]))
                .build();
        try {
            client.publish(msg).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TidegateException te) {
                expectError(te.code(), te.getMessage(), s);
                return;
            }
            throw new StepFailed("publish failed without a status: " + e.getCause());
        }
        throw new StepFailed("accepted, want " + s.get("code").getAsString());
    }

    private void opBadSubscribe(JsonObject s) throws InterruptedException, TimeoutException {
        JsonObject sub = s.getAsJsonObject("subscribe");
        List<String> patterns = new ArrayList<>();
        sub.getAsJsonArray("patterns").forEach(p -> patterns.add(t(p.getAsString())));
        boolean group = sub.has("mode") && sub.get("mode").getAsString().equals("GROUP");
        String groupName = t(sub.has("group") ? sub.get("group").getAsString() : "");
        SubscriptionOptions options;
        try {
            SubscriptionOptions.Builder b = SubscriptionOptions.builder().patterns(patterns)
                    .mode(group ? SubscriptionMode.GROUP : SubscriptionMode.BROADCAST);
            if (group) {
                b.group(groupName);
            }
            options = b.build();
        } catch (IllegalArgumentException refused) {
            // The SDK refuses this subscription before it reaches the wire: the gateway must still
            // answer it when another client sends it, so send it as given on a raw stream.
            Status status = rawSubscribe(Subscribe.newBuilder().setSubscriptionId("bad-raw").addAllPatterns(patterns)
                    .setMode(group ? io.tidegate.proto.v1.SubscriptionMode.SUBSCRIPTION_MODE_GROUP
                            : io.tidegate.proto.v1.SubscriptionMode.SUBSCRIPTION_MODE_BROADCAST)
                    .setGroup(groupName).build());
            expectError(status.getCode(), status.getDescription(), s);
            return;
        }
        Subscription got;
        try {
            got = subscribe(client, options, m -> { });
        } catch (TidegateException e) {
            expectError(e.code(), e.getMessage(), s);
            return;
        }
        got.close();
        throw new StepFailed("subscribed, want " + s.get("code").getAsString());
    }

    /**
     * Connects with the runner's TLS settings but the step's {@code token}: the gateway must
     * refuse. The Java client keeps retrying a refused connection and tells
     * {@link ConnectionListener#onRefused}, so the first refusal is the answer.
     */
    private void opRefusedConnect(JsonObject s) throws InterruptedException, TimeoutException {
        CompletableFuture<Status> refused = new CompletableFuture<>();
        TidegateClient c = security.apply(TidegateClient.builder().endpoints(endpoint)
                .clientName("conformance-java-refused"), s.get("token").getAsString())
                .connectionListener(new ConnectionListener() {
                    @Override
                    public void onRefused(String at, Throwable cause) {
                        refused.complete(Status.fromThrowable(cause));
                    }
                }).build();
        try {
            Status status;
            try {
                status = refused.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                throw new StepFailed("no refusal: " + e.getCause());
            } catch (TimeoutException e) {
                throw new StepFailed(c.isConnected() ? "connected, want " + s.get("code").getAsString()
                        : "no refusal within " + WAIT);
            }
            expectError(status.getCode(), status.getDescription(), s);
        } finally {
            c.close();
        }
    }

    private static void expectError(Status.Code code, String message, JsonObject s) {
        String want = s.get("code").getAsString();
        check(code.name().equals(want), "got " + code + ": " + message + ", want " + want);
        if (s.has("says")) {
            String says = s.get("says").getAsString();
            check(message != null && message.toLowerCase().contains(says.toLowerCase()),
                    "message \"" + message + "\" does not mention \"" + says + "\"");
        }
    }

    /**
     * Sends one Subscribe frame as given on a fresh Connect stream of the generated stub (Hello,
     * Welcome, Subscribe) and returns the gateway's answer to it: OK when it confirmed the
     * subscription, else the code and message of its FrameError (or of the stream's end).
     */
    private Status rawSubscribe(Subscribe subscribe) throws InterruptedException, TimeoutException {
        ManagedChannel channel = rawChannel();
        BlockingQueue<Object> inbound = new LinkedBlockingQueue<>();
        StreamObserver<ConnectRequest> out = GatewayServiceGrpc.newStub(channel).connect(new StreamObserver<ConnectResponse>() {
            @Override
            public void onNext(ConnectResponse f) {
                inbound.add(f);
            }

            @Override
            public void onError(Throwable t) {
                inbound.add(Status.fromThrowable(t));
            }

            @Override
            public void onCompleted() {
                inbound.add(Status.UNAVAILABLE.withDescription("gateway closed the stream"));
            }
        });
        try {
            out.onNext(ConnectRequest.newBuilder().setFrameId(1).setHello(Hello.newBuilder()
                    .setClientName("conformance-java-raw").setLanguage("java").setClientVersion(TidegateClient.VERSION))
                    .build());
            Object first = next(inbound);
            if (first instanceof Status st) {
                throw new StepFailed("raw stream ended before Welcome: " + st);
            }
            if (!((ConnectResponse) first).hasWelcome()) {
                throw new StepFailed("raw stream: expected Welcome, got " + first);
            }
            out.onNext(ConnectRequest.newBuilder().setFrameId(2).setSubscribe(subscribe).build());
            while (true) {
                Object o = next(inbound);
                if (o instanceof Status st) {
                    return st;
                }
                ConnectResponse f = (ConnectResponse) o;
                if (f.getFrameId() != 2) {
                    continue;
                }
                if (f.hasError()) {
                    io.tidegate.proto.v1.Error e = f.getError().getError();
                    return Status.fromCodeValue(e.getCode()).withDescription(e.getMessage());
                }
                if (f.hasSubscribed()) {
                    return Status.OK;
                }
            }
        } finally {
            out.onCompleted();
            channel.shutdownNow();
            channel.awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** A channel as the SDK would open it: TLS (and mTLS) and the bearer token when configured. */
    private ManagedChannel rawChannel() {
        if (!security.tls() && security.tokenFile() == null) {
            return ManagedChannelBuilder.forTarget(endpoint).usePlaintext().build();
        }
        NettyChannelBuilder b = NettyChannelBuilder.forTarget(endpoint);
        if (security.tls()) {
            try {
                SslContextBuilder ssl = GrpcSslContexts.forClient();
                if (security.ca() != null) {
                    ssl.trustManager(security.ca().toFile());
                }
                if (security.cert() != null) {
                    ssl.keyManager(security.cert().toFile(), security.key().toFile());
                }
                b.sslContext(ssl.build());
            } catch (javax.net.ssl.SSLException e) {
                throw new StepFailed("TLS settings cannot be used: " + e.getMessage());
            }
        } else {
            b.usePlaintext();
        }
        if (security.tokenFile() != null) {
            Metadata headers = new Metadata();
            headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + security.token());
            b.intercept(MetadataUtils.newAttachHeadersInterceptor(headers));
        }
        return b.build();
    }

    private static Object next(BlockingQueue<Object> inbound) throws InterruptedException, TimeoutException {
        Object o = inbound.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        if (o == null) {
            throw new TimeoutException("no answer on the raw stream within " + WAIT);
        }
        return o;
    }
}
