package io.tidegate.faults;

import io.tidegate.sdk.AckMode;
import io.tidegate.sdk.SubscriptionMode;
import io.tidegate.sdk.SubscriptionOptions;
import io.tidegate.sdk.TidegateClient;
import io.tidegate.testkit.RedisServer;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Fault 2: two replicas A and B share one Redis; a group has one member on each. The member on A
 * acks what it handles until, shortly before A is SIGKILLed, it starts holding its messages
 * unacked (a worker mid-job). A dies with those entries pending under the member's consumer
 * name; after the ack deadline the member on B reclaims them (XAUTOCLAIM) and handles them.
 * Passes when nothing acknowledged is lost, and every duplicate is a message the member on A
 * held unacked.
 */
final class ReplicaKillScenario implements Scenario {

    static final String GROUP = "group";

    @Override
    public String name() {
        return "replica-kill";
    }

    @Override
    public Report run(Settings s) throws Exception {
        Duration before = s.pick(Duration.ofSeconds(3), Duration.ofSeconds(10));
        Duration after = s.pick(Duration.ofSeconds(3), Duration.ofSeconds(10));
        Duration ackDeadline = s.pick(Duration.ofSeconds(2), Duration.ofSeconds(5));
        int rate = s.pick(200, 1_000);
        Report report = new Report(name()).put("rate.per.s", rate).put("ack.deadline", ackDeadline);
        Tally tally = new Tally();
        Set<String> heldUnacked = ConcurrentHashMap.newKeySet();
        String[] flags = {"--backend.redis.reclaim-interval=500ms"};
        try (RedisServer redis = RedisServer.start();
             GatewayReplica a = replica("kill-a", s, redis, flags);
             GatewayReplica b = replica("kill-b", s, redis, flags);
             TidegateClient pub = Clients.connect("kill-pub", b.target());
             TidegateClient onB = Clients.connect("kill-worker-b", b.target())) {
            TidegateClient onA = Clients.connect("kill-worker-a", a.target());
            SubscriptionOptions work = SubscriptionOptions.builder().mode(SubscriptionMode.GROUP).group("kill-workers")
                    .patterns("fault.kill.>").credit(100).ackMode(AckMode.MANUAL).ackDeadline(ackDeadline).build();
            AtomicBoolean holding = new AtomicBoolean();
            Clients.subscribe(onA, work, m -> {
                tally.delivered(GROUP, m.message().getId());
                if (holding.get()) {
                    heldUnacked.add(m.message().getId());
                } else {
                    m.ack();
                }
            });
            Clients.subscribe(onB, work, m -> {
                tally.delivered(GROUP, m.message().getId());
                m.ack();
            });
            SteadyPublisher publisher = new SteadyPublisher(pub, tally, "kill",
                    List.of("fault.kill.a", "fault.kill.b"), rate, 100);
            Thread.sleep(before.toMillis());
            holding.set(true);
            long holdUntil = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (heldUnacked.size() < 20 && System.nanoTime() < holdUntil) {
                Thread.sleep(20);
            }
            // acks sent before holding began reach Redis before A dies
            Thread.sleep(500);
            a.kill();
            onA.close();
            report.put("held.unacked.at.kill", heldUnacked.size());
            Thread.sleep(after.toMillis());
            boolean settled = publisher.stopAndSettle(Duration.ofSeconds(30));
            boolean allDelivered = tally.awaitDelivered(ackDeadline.multipliedBy(3).plusSeconds(30), GROUP);
            Set<String> unexpected = new HashSet<>(tally.duplicatedIds(GROUP));
            unexpected.removeAll(heldUnacked);
            Set<String> heldRedelivered = new HashSet<>(tally.duplicatedIds(GROUP));
            heldRedelivered.retainAll(heldUnacked);
            report.publishes(tally).view(tally, GROUP)
                    .put("duplicates.of.held", heldRedelivered.size())
                    .put("duplicates.not.held", unexpected.size())
                    .put("all.delivered", allDelivered)
                    .check(settled, "every publish answered")
                    .check(!heldUnacked.isEmpty(), "the member on A held messages when A was killed")
                    .check(tally.lost(GROUP).isEmpty(), "no acknowledged message lost")
                    .check(heldRedelivered.size() == heldUnacked.size(), "every held message redelivered on B")
                    .check(unexpected.isEmpty(), "duplicates only for messages held unacked");
        }
        return report;
    }

    private static GatewayReplica replica(String name, Settings s, RedisServer redis, String... flags)
            throws java.io.IOException {
        String[] all = new String[flags.length + 2];
        all[0] = "--backend.redis.uri=" + redis.uri();
        all[1] = "--resilience.spool.dir=" + s.workDir().resolve("spool-" + name);
        System.arraycopy(flags, 0, all, 2, flags.length);
        return GatewayReplica.start(name, s.workDir(), List.of("-Xmx512m"), all);
    }
}
