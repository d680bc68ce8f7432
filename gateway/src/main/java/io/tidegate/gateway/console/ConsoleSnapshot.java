package io.tidegate.gateway.console;

import java.util.List;
import java.util.Map;

/**
 * What the console page shows at one moment: the JSON of {@code /api/state} and of each
 * {@code /api/events} event. Rates are per second over the last push interval; ages and delays
 * carry their unit in the name. Immutable.
 *
 * @param readiness  {@code ready}, or why not, or what is degraded while ready
 */
public record ConsoleSnapshot(String gatewayId, String version, long takenMillis, double intervalSeconds,
                              String backend, boolean ready, String readiness, List<ReplicaRow> replicas,
                              List<TopicRow> topics, List<GroupRow> groups, List<SubscriberRow> subscribers,
                              List<PublisherRow> publishers, List<LaneRow> lanes, int workers, int busyWorkers,
                              List<BreakerRow> breakers, SpoolRow spool, IntelligenceRow intelligence,
                              List<RemediationRow> remediation) {

    /**
     * An automatic remediation action or report, newest first.
     *
     * @param outcome {@code done}, {@code failed}, {@code rate_limited}, {@code ended}, or {@code reported}
     *                (seen, no action: reported, not fixed)
     */
    public record RemediationRow(double ageSeconds, String action, String outcome, String target, String reason) {
    }

    /** @param state {@code up}, or {@code gone} when not heard for three announce intervals */
    public record ReplicaRow(String gatewayId, String version, boolean self, double lastSeenAgeSeconds, String state) {
    }

    /**
     * A topic, split as {@code <kind>.<venue>.<instrument>} ({@code data.quotes.BINANCE.BTCUSDT}:
     * kind {@code data.quotes}, venue {@code BINANCE}, instrument {@code BTCUSDT}).
     *
     * @param lastMessageAgeSeconds since its last message in or out; -1 for none
     * @param regime                the instrument's market regime when known, else empty
     */
    public record TopicRow(String topic, String kind, String venue, String instrument, double inPerSecond,
                           double outPerSecond, long inTotal, long outTotal, double lastMessageAgeSeconds,
                           String regime) {
    }

    /** @param members this replica's subscriptions in the group; redeliveries are theirs */
    public record GroupRow(String group, long lag, long pending, long redeliveries, int members) {
    }

    /**
     * @param backlog       messages waiting in gateway memory for the stream
     * @param idleSeconds   since the stream last took a message
     * @param state         {@code ok}, {@code no_credit} (waits for the client to grant more), or
     *                      {@code stalled} (messages wait and the stream took none for {@code console.stall-limit})
     */
    public record SubscriberRow(String sessionId, String client, String subscription, String patterns, String group,
                                long credit, long backlog, long backlogBytes, long written, double outPerSecond,
                                double idleSeconds, String state) {
    }

    public record PublisherRow(String sessionId, String client, String identity, long published, double perSecond,
                               double connectedSeconds) {
    }

    /** @param meanDelayMillis mean queueing delay of the messages taken off the lane over the last interval */
    public record LaneRow(String priority, long depth, double perSecond, double meanDelayMillis,
                          double oldestWaitMillis) {
    }

    public record BreakerRow(String name, String state) {
    }

    /** @param usedPercent bytes over the spool's limit, 0 without a spool */
    public record SpoolRow(boolean present, long bytes, long pending, long maxBytes, double usedPercent) {
    }

    public record IntelligenceRow(boolean regimesEnabled, int instruments, Map<String, Long> regimeChanges,
                                  boolean arbitrageEnabled, long arbitrageSignals, double arbitragePerSecond) {
    }
}
