package io.tidegate.gateway.telemetry;

/**
 * Splits a topic into the grouping of the console and the {@code tidegate.topic.*} metrics: kind
 * (segments 0 and 1), venue (segment 2) and instrument (segment 3 and after), as in
 * {@code data.quotes.BINANCE.BTCUSDT}. Stateless.
 */
public final class TopicSegments {

    private TopicSegments() {
    }

    /** {@code [kind, venue, instrument]}; venue and instrument are empty where the topic has no such segment. */
    public static String[] split(String topic) {
        int first = topic.indexOf('.');
        int second = first < 0 ? -1 : topic.indexOf('.', first + 1);
        if (second < 0) {
            return new String[] {topic, "", ""};
        }
        int third = topic.indexOf('.', second + 1);
        if (third < 0) {
            return new String[] {topic.substring(0, second), topic.substring(second + 1), ""};
        }
        return new String[] {topic.substring(0, second), topic.substring(second + 1, third), topic.substring(third + 1)};
    }
}
