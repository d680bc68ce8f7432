package io.tidegate.gateway.telemetry;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Messages in (handed to the backend) and out (written to subscribers) per topic, with the time
 * of each topic's last message, for the console's topic panel and the {@code tidegate.topic.*}
 * metrics. At most {@code maxTopics} topics are counted one by one; messages of further topics
 * count under {@link #OTHER}, so memory and metric labels stay bounded whatever topics clients use.
 *
 * <p>Counting is one map lookup (no allocation: the topic string is the key) and two adder
 * updates per message. Thread-safe; {@link #snapshot()} may run on any thread.
 */
public final class TopicTraffic {

    /** The row messages of topics beyond the limit count under. */
    public static final String OTHER = "other";

    /** Counts nothing. */
    public static final TopicTraffic NONE = new TopicTraffic(0);

    private final int maxTopics;
    private final ConcurrentHashMap<String, Counts> topics = new ConcurrentHashMap<>();
    private final Counts other = new Counts();

    /** @param maxTopics topics counted one by one ({@code console.max-topics}); 0 counts nothing */
    public TopicTraffic(int maxTopics) {
        this.maxTopics = maxTopics;
    }

    /** A message of {@code topic} was handed to the backend. */
    public void in(String topic) {
        Counts c = counts(topic);
        if (c != null) {
            c.in.increment();
            c.lastInMillis = System.currentTimeMillis();
        }
    }

    /** A message of {@code topic} was written to a subscriber's stream. */
    public void out(String topic) {
        Counts c = counts(topic);
        if (c != null) {
            c.out.increment();
            c.lastOutMillis = System.currentTimeMillis();
        }
    }

    private Counts counts(String topic) {
        if (maxTopics == 0) {
            return null;
        }
        Counts c = topics.get(topic);
        if (c != null) {
            return c;
        }
        // a racing first message of two new topics may let the map pass the limit by a few: still bounded
        return topics.size() >= maxTopics ? other : topics.computeIfAbsent(topic, t -> new Counts());
    }

    /** Every counted topic (and {@link #OTHER} once it counted something), as of now. */
    public List<Row> snapshot() {
        List<Row> rows = new ArrayList<>(topics.size() + 1);
        topics.forEach((topic, c) -> rows.add(c.row(topic)));
        if (other.in.sum() + other.out.sum() > 0) {
            rows.add(other.row(OTHER));
        }
        return rows;
    }

    /**
     * One topic's counts since start.
     *
     * @param lastInMillis  epoch millis of its last message in, 0 for none
     * @param lastOutMillis epoch millis of its last message out, 0 for none
     */
    public record Row(String topic, long in, long out, long lastInMillis, long lastOutMillis) {

        /** {@code [kind, venue, instrument]} of the topic ({@link TopicSegments}). */
        public String[] segments() {
            return TopicSegments.split(topic);
        }
    }

    private static final class Counts {
        final LongAdder in = new LongAdder();
        final LongAdder out = new LongAdder();
        volatile long lastInMillis;
        volatile long lastOutMillis;

        Row row(String topic) {
            return new Row(topic, in.sum(), out.sum(), lastInMillis, lastOutMillis);
        }
    }
}
