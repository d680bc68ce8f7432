package io.tidegate.gateway.routing;

/**
 * The naming rules for topics: dot-separated, non-empty segments of ASCII letters, digits,
 * '_' and '-', at most {@code maxLength} characters in all. Stateless; thread-safe.
 */
public final class TopicName {

    private TopicName() {
    }

    /**
     * Checks a concrete topic (no wildcards).
     *
     * @throws InvalidTopicException saying what is wrong, e.g. {@code topic "a..b" has an empty segment}
     */
    public static void validate(String topic, int maxLength) {
        if (topic.isEmpty()) {
            throw new InvalidTopicException("topic is empty; use dot-separated segments such as data.quotes.BINANCE.BTCUSDT");
        }
        if (topic.length() > maxLength) {
            throw new InvalidTopicException("topic \"" + abbreviate(topic) + "\" is " + topic.length()
                    + " characters long; the limit is " + maxLength);
        }
        int segmentStart = 0;
        for (int i = 0; i <= topic.length(); i++) {
            if (i == topic.length() || topic.charAt(i) == '.') {
                if (i == segmentStart) {
                    throw new InvalidTopicException("topic \"" + topic + "\" has an empty segment");
                }
                segmentStart = i + 1;
            } else if (!isSegmentChar(topic.charAt(i))) {
                throw new InvalidTopicException("topic \"" + topic + "\" has the character '" + topic.charAt(i)
                        + "'; segments take only letters, digits, '_' and '-'"
                        + (isWildcard(topic.charAt(i)) ? " (wildcards belong in subscription patterns)" : ""));
            }
        }
    }

    static boolean isSegmentChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    }

    private static boolean isWildcard(char c) {
        return c == '*' || c == '>' || c == '?';
    }

    static String abbreviate(String s) {
        return s.length() <= 64 ? s : s.substring(0, 61) + "...";
    }
}
