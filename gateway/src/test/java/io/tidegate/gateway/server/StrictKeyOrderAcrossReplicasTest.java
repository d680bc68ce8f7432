package io.tidegate.gateway.server;

import static io.tidegate.gateway.server.TestMessages.group;
import static io.tidegate.gateway.server.TestMessages.msg;
import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.gateway.GatewayProcess;
import io.tidegate.proto.v1.Ack;
import io.tidegate.proto.v1.ConnectRequest;
import io.tidegate.proto.v1.Credit;
import io.tidegate.proto.v1.Delivery;
import io.tidegate.proto.v1.Message;
import io.tidegate.testkit.RedisServer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Strict key order across gateway replicas: one member of a group on a real gateway process, one
 * on an embedded gateway, both on one real Redis, publishing a few messages per key and round. While
 * both work, no key is ever out at both, and per key the deliveries follow publish order. Then the process's member stops acking with
 * messages out and the process is SIGKILLed: its keys move to the other replica's member once
 * their entries are idle past the ack deadline, the unacked message first, the rest in order.
 */
class StrictKeyOrderAcrossReplicasTest {

    private static final String TOPIC = "strict.orders";
    private static final int KEYS = 8;
    private static final int PER_KEY = 30;
    private static final int PER_ROUND = 3;
    private static final String[] FAST_RECLAIM = {"backend.redis.reclaim-interval=100ms", "backend.redis.block-timeout=100ms"};

    @Test
    void keyOrderHoldsAcrossReplicasAndAKilledReplicasKeysMoveInOrder() throws Exception {
        try (RedisServer redis = RedisServer.start();
             GatewayProcess processGateway = GatewayProcess.start("--backend.redis.uri=" + redis.uri(),
                     "--" + FAST_RECLAIM[0], "--" + FAST_RECLAIM[1]);
             EmbeddedGateway embedded = EmbeddedGateway.startOnLoopback("backend.redis.uri=" + redis.uri(),
                     FAST_RECLAIM[0], FAST_RECLAIM[1]);
             FrameClient onProcess = FrameClient.connected(processGateway.target());
             FrameClient onEmbedded = FrameClient.connected(embedded.target());
             FrameClient pub = FrameClient.connected(embedded.target())) {
            for (FrameClient w : List.of(onProcess, onEmbedded)) {
                w.await(w.subscribe(group("w", "workers", TOPIC).setStrictKeyOrder(true).setAckDeadlineMs(2000)
                        .setInitialCredit(4)));
            }
            Map<String, List<String>> published = new LinkedHashMap<>();
            int rounds = 0;

            Map<String, List<String>> delivered = new HashMap<>();
            Map<String, FrameClient> holder = new HashMap<>();
            List<String> violations = new ArrayList<>();
            // a set: an ack the killed replica never passed on makes its message come again
            Set<String> acked = new HashSet<>();
            int redeliveredAfterKill = 0;
            boolean frozen = false;
            boolean killed = false;
            long giveUpAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (acked.size() < KEYS * PER_KEY && System.nanoTime() < giveUpAt) {
                // a few messages per key and round, the next round once this one is done: between
                // rounds every key is free again, so both members keep getting keys
                if (acked.size() == rounds * KEYS * PER_ROUND && rounds * PER_ROUND < PER_KEY) {
                    publishRound(pub, rounds++, published);
                }
                for (FrameClient w : killed ? List.of(onEmbedded) : List.of(onProcess, onEmbedded)) {
                    for (Delivery d : w.pollDeliveries("w", 5)) {
                        String key = d.getMessage().getOrderingKey();
                        FrameClient other = holder.get(key);
                        if (other != null) {
                            violations.add(d.getMessage().getPayload().toStringUtf8() + " delivered to "
                                    + name(w, onProcess) + " while " + name(other, onProcess) + " had " + key + " out");
                        }
                        delivered.computeIfAbsent(key, k -> new ArrayList<>()).add(d.getMessage().getPayload().toStringUtf8());
                        if (killed && d.getDeliveryCount() > 1) {
                            redeliveredAfterKill++;
                        }
                        if (frozen && w == onProcess) {
                            holder.put(key, w); // the process's member stops working: keeps it out
                            continue;
                        }
                        w.send(ConnectRequest.newBuilder().setAck(Ack.newBuilder().setSubscriptionId("w").addPositions(d.getPosition())));
                        w.send(ConnectRequest.newBuilder().setCredit(Credit.newBuilder().setSubscriptionId("w").setMessages(1)));
                        acked.add(d.getMessage().getPayload().toStringUtf8());
                    }
                }
                if (!frozen && acked.size() >= KEYS * PER_KEY / 3) {
                    frozen = true;
                }
                if (frozen && !killed && holder.containsValue(onProcess)) {
                    processGateway.kill();
                    killed = true;
                    // a dead member holds nothing; from now on only the other member's deliveries count
                    holder.values().removeIf(h -> h == onProcess);
                    heldAtKill(delivered);
                }
            }

            assertThat(violations).as("a key out at two members at once").isEmpty();
            assertThat(killed).as("the process's member held a key when it was killed").isTrue();
            assertThat(acked).as("every message processed").hasSize(KEYS * PER_KEY);
            assertThat(redeliveredAfterKill).as("messages left unacked by the killed replica came again").isPositive();
            for (var e : published.entrySet()) {
                assertThat(withoutImmediateRepeats(delivered.get(e.getKey())))
                        .as("deliveries of %s (a redelivery may repeat the message just before it)", e.getKey())
                        .containsExactlyElementsOf(e.getValue());
            }
        }
    }

    private static void publishRound(FrameClient pub, int round, Map<String, List<String>> published) {
        List<Message> batch = new ArrayList<>();
        for (int i = round * PER_ROUND; i < (round + 1) * PER_ROUND; i++) {
            for (int k = 0; k < KEYS; k++) {
                String key = "key" + k;
                String payload = key + "-" + i;
                published.computeIfAbsent(key, x -> new ArrayList<>()).add(payload);
                batch.add(msg(TOPIC, payload).toBuilder().setOrderingKey(key).build());
            }
        }
        assertThat(pub.await(pub.publish(batch.toArray(Message[]::new))).getPublishAck().getResultsList())
                .allSatisfy(r -> assertThat(r.hasPosition()).isTrue());
    }

    private static void heldAtKill(Map<String, List<String>> delivered) {
        System.out.printf("killed the gateway process; deliveries so far per key: %s%n", delivered.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue().size()).toList());
    }

    private static List<String> withoutImmediateRepeats(List<String> deliveries) {
        List<String> out = new ArrayList<>();
        for (String d : deliveries == null ? List.<String>of() : deliveries) {
            if (out.isEmpty() || !out.get(out.size() - 1).equals(d)) {
                out.add(d);
            }
        }
        return out;
    }

    private static String name(FrameClient w, FrameClient onProcess) {
        return w == onProcess ? "the process's member" : "the embedded gateway's member";
    }
}
