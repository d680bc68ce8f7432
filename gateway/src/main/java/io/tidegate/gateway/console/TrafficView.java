package io.tidegate.gateway.console;

import java.util.List;

/** Messages in and out per topic since start, from the gateway's own counters. Cheap; any thread. */
public interface TrafficView {

    /** Every counted topic; those beyond {@code console.max-topics} come as one row named {@code other}. */
    List<TopicCount> topics();

    /**
     * One topic's counts since start, with its kind (segments 0 and 1), venue (segment 2) and
     * instrument (segment 3 on), empty where the topic has no such segment.
     *
     * @param lastInMillis  epoch millis of its last message in, 0 for none
     * @param lastOutMillis epoch millis of its last message out, 0 for none
     */
    record TopicCount(String topic, String kind, String venue, String instrument, long in, long out, long lastInMillis, long lastOutMillis) {
    }
}
