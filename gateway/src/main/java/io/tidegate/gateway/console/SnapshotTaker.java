package io.tidegate.gateway.console;

import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.console.ConsoleSnapshot.BreakerRow;
import io.tidegate.gateway.console.ConsoleSnapshot.GroupRow;
import io.tidegate.gateway.console.ConsoleSnapshot.IntelligenceRow;
import io.tidegate.gateway.console.ConsoleSnapshot.LaneRow;
import io.tidegate.gateway.console.ConsoleSnapshot.PublisherRow;
import io.tidegate.gateway.console.ConsoleSnapshot.ReplicaRow;
import io.tidegate.gateway.console.ConsoleSnapshot.SpoolRow;
import io.tidegate.gateway.console.ConsoleSnapshot.SubscriberRow;
import io.tidegate.gateway.console.ConsoleSnapshot.TopicRow;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Takes a {@link ConsoleSnapshot} from the views, turning the counters since start into rates
 * over the interval since the previous snapshot. It remembers only the previous counters of what
 * still exists, so its memory follows the gateway's bounded topics and live streams.
 *
 * <p>Threading: not thread-safe; the console's scheduler thread alone calls {@link #take()}.
 */
public final class SnapshotTaker {

    /** The views the console reads. */
    public record Views(ReplicaView replicas, TrafficView traffic, GroupView groups, ClientView clients,
                        LaneView lanes, BackendView backend, IntelligenceView intelligence,
                        RemediationView remediation) {
    }

    private final String gatewayId;
    private final String version;
    private final GatewayConfig.Console config;
    private final Views views;
    private final Clock clock;
    private long previousMillis;
    private Map<String, Long> previous = new HashMap<>();

    public SnapshotTaker(String gatewayId, String version, GatewayConfig.Console config, Views views, Clock clock) {
        this.gatewayId = gatewayId;
        this.version = version;
        this.config = config;
        this.views = views;
        this.clock = clock;
    }

    /** A snapshot as of now; rates cover the time since the last call (0 on the first). */
    public ConsoleSnapshot take() {
        long now = clock.millis();
        double seconds = previousMillis == 0 ? 0 : Math.max(1, now - previousMillis) / 1000.0;
        Rates rates = new Rates(previous, seconds);
        BackendView backend = views.backend();
        String notReady = backend.notReadyReason();
        String degraded = backend.degradedNote();
        ConsoleSnapshot snapshot = new ConsoleSnapshot(gatewayId, version, now, seconds, backend.name(),
                notReady == null, notReady != null ? notReady : degraded != null ? "ready; " + degraded : "ready",
                replicas(now), topics(now, rates), groups(), subscribers(now, rates), publishers(now, rates),
                lanes(rates), views.lanes().workers(), views.lanes().busyWorkers(), breakers(backend), spool(backend),
                intelligence(rates), remediation(now));
        previous = rates.current;
        previousMillis = now;
        return snapshot;
    }

    private List<ConsoleSnapshot.RemediationRow> remediation(long now) {
        return views.remediation().recent().stream().map(e -> new ConsoleSnapshot.RemediationRow(
                Math.max(0, now - e.atMillis()) / 1000.0, e.action(), e.outcome(), e.target(), e.reason())).toList();
    }

    private List<ReplicaRow> replicas(long now) {
        List<ReplicaRow> rows = new ArrayList<>();
        boolean selfListed = false;
        for (ReplicaView.Replica r : views.replicas().replicas()) {
            boolean self = r.gatewayId().equals(gatewayId);
            selfListed |= self;
            long age = Math.max(0, now - r.lastSeenMillis());
            rows.add(new ReplicaRow(r.gatewayId(), r.version(), self, age / 1000.0,
                    self || !ReplicaView.gone(r, now, config.announceInterval()) ? "up" : "gone"));
        }
        if (!selfListed) {
            rows.add(new ReplicaRow(gatewayId, version, true, 0, "up"));
        }
        rows.sort(Comparator.comparing(ReplicaRow::gatewayId));
        return rows;
    }

    private List<TopicRow> topics(long now, Rates rates) {
        IntelligenceView intel = views.intelligence();
        List<TopicRow> rows = new ArrayList<>();
        for (TrafficView.TopicCount t : views.traffic().topics()) {
            String[] parts = {t.kind(), t.venue(), t.instrument()};
            long last = Math.max(t.lastInMillis(), t.lastOutMillis());
            String regime = intel.regimesEnabled() && "data.quotes".equals(parts[0]) && !parts[1].isEmpty()
                    ? intel.regimeOf(parts[1], parts[2]) : null;
            rows.add(new TopicRow(t.topic(), parts[0], parts[1], parts[2],
                    rates.perSecond("in:" + t.topic(), t.in()), rates.perSecond("out:" + t.topic(), t.out()),
                    t.in(), t.out(), last == 0 ? -1 : Math.max(0, now - last) / 1000.0, regime == null ? "" : regime));
        }
        rows.sort(Comparator.comparing(TopicRow::kind).thenComparing(TopicRow::venue).thenComparing(TopicRow::instrument));
        return rows;
    }

    private List<GroupRow> groups() {
        Map<String, Long> lag = views.groups().lag();
        Map<String, Long> pending = views.groups().pending();
        Map<String, long[]> local = new HashMap<>(); // group -> {redeliveries, members}
        for (ClientView.Client c : views.clients().clients()) {
            for (ClientView.Subscription s : c.subscriptions()) {
                if (!s.group().isEmpty()) {
                    long[] sums = local.computeIfAbsent(s.group(), g -> new long[2]);
                    sums[0] += s.redelivered();
                    sums[1]++;
                }
            }
        }
        TreeSet<String> names = new TreeSet<>(lag.keySet());
        names.addAll(pending.keySet());
        names.addAll(local.keySet());
        List<GroupRow> rows = new ArrayList<>();
        for (String g : names) {
            long[] sums = local.getOrDefault(g, new long[2]);
            rows.add(new GroupRow(g, lag.getOrDefault(g, 0L), pending.getOrDefault(g, 0L), sums[0], (int) sums[1]));
        }
        return rows;
    }

    private List<SubscriberRow> subscribers(long now, Rates rates) {
        long stallMillis = config.stallLimit().toMillis();
        List<SubscriberRow> rows = new ArrayList<>();
        for (ClientView.Client c : views.clients().clients()) {
            for (ClientView.Subscription s : c.subscriptions()) {
                long idle = Math.max(0, now - s.lastWrittenMillis());
                String state = s.heldMessages() > 0 && idle >= stallMillis ? "stalled"
                        : s.credit() <= 0 && s.heldMessages() == 0 ? "no_credit" : "ok";
                rows.add(new SubscriberRow(c.sessionId(), label(c), s.id(), String.join(", ", s.patterns()), s.group(),
                        s.credit(), s.heldMessages(), s.heldBytes(), s.written(),
                        rates.perSecond("sub:" + c.sessionId() + "/" + s.id(), s.written()), idle / 1000.0, state));
            }
        }
        rows.sort(Comparator.comparing(SubscriberRow::client).thenComparing(SubscriberRow::subscription));
        return rows;
    }

    private List<PublisherRow> publishers(long now, Rates rates) {
        List<PublisherRow> rows = new ArrayList<>();
        for (ClientView.Client c : views.clients().clients()) {
            if (c.published() > 0) {
                rows.add(new PublisherRow(c.sessionId(), label(c), c.identity(), c.published(),
                        rates.perSecond("pub:" + c.sessionId(), c.published()),
                        Math.max(0, now - c.openedMillis()) / 1000.0));
            }
        }
        rows.sort(Comparator.comparing(PublisherRow::client));
        return rows;
    }

    private static String label(ClientView.Client c) {
        return c.name().isEmpty() ? c.identity() : c.identity().isEmpty() ? c.name() : c.name() + " (" + c.identity() + ")";
    }

    private List<LaneRow> lanes(Rates rates) {
        List<LaneRow> rows = new ArrayList<>();
        for (LaneView.Lane l : views.lanes().lanes()) {
            long taken = rates.delta("lane:" + l.priority(), l.dispatched());
            long delay = rates.delta("delay:" + l.priority(), l.delayNanosTotal());
            rows.add(new LaneRow(l.priority(), l.depth(), rates.rate(taken),
                    taken == 0 ? 0 : delay / (double) taken / 1e6, l.oldestWaitNanos() / 1e6));
        }
        return rows;
    }

    private static List<BreakerRow> breakers(BackendView backend) {
        List<BreakerRow> rows = new ArrayList<>();
        new TreeMap<>(backend.breakers()).forEach((name, state) -> rows.add(new BreakerRow(name, state)));
        return rows;
    }

    private static SpoolRow spool(BackendView backend) {
        long max = backend.spoolMaxBytes();
        return new SpoolRow(max > 0, backend.spoolBytes(), backend.spoolPending(), max,
                max > 0 ? 100.0 * backend.spoolBytes() / max : 0);
    }

    private IntelligenceRow intelligence(Rates rates) {
        IntelligenceView i = views.intelligence();
        return new IntelligenceRow(i.regimesEnabled(), i.instrumentsTracked(), new TreeMap<>(i.regimeChanges()),
                i.arbitrageEnabled(), i.arbitrageSignals(), rates.perSecond("arb", i.arbitrageSignals()));
    }

    /** Differences of counters against the previous snapshot; collects this snapshot's counters. */
    private static final class Rates {
        final Map<String, Long> before;
        final Map<String, Long> current = new HashMap<>();
        final double seconds;

        Rates(Map<String, Long> before, double seconds) {
            this.before = before;
            this.seconds = seconds;
        }

        long delta(String key, long now) {
            current.put(key, now);
            Long was = before.get(key);
            // a counter first seen (a new topic or stream) counts from 0 only when a previous snapshot exists
            return was == null ? (seconds == 0 ? 0 : now) : Math.max(0, now - was);
        }

        double rate(long delta) {
            return seconds == 0 ? 0 : delta / seconds;
        }

        double perSecond(String key, long now) {
            return rate(delta(key, now));
        }
    }
}
