package io.tidegate.gateway.routing;

import java.util.ArrayList;
import java.util.List;

/**
 * A compiled subscription pattern. Segments are dot-separated; {@code *} matches exactly one
 * segment, {@code >} or {@code **} (last segment only) match one or more remaining segments,
 * {@code ?} matches one character inside a segment. Immutable; thread-safe.
 */
public final class TopicPattern {

    private final String text;
    private final String[] segments;
    private final boolean tail;
    private final boolean literal;

    private TopicPattern(String text, String[] segments, boolean tail, boolean literal) {
        this.text = text;
        this.segments = segments;
        this.tail = tail;
        this.literal = literal;
    }

    /**
     * Compiles a pattern.
     *
     * @throws InvalidTopicException saying what is wrong and how to write it instead
     */
    public static TopicPattern compile(String pattern, int maxLength) {
        if (pattern.isEmpty()) {
            throw new InvalidTopicException("pattern is empty; use e.g. data.quotes.*.BTCUSDT or data.>");
        }
        if (pattern.length() > maxLength) {
            throw new InvalidTopicException("pattern \"" + TopicName.abbreviate(pattern) + "\" is "
                    + pattern.length() + " characters long; the limit is " + maxLength);
        }
        String[] parts = pattern.split("\\.", -1);
        List<String> segments = new ArrayList<>(parts.length);
        boolean tail = false;
        boolean literal = true;
        for (int i = 0; i < parts.length; i++) {
            String s = parts[i];
            boolean last = i == parts.length - 1;
            if (s.isEmpty()) {
                throw new InvalidTopicException("pattern \"" + pattern + "\" has an empty segment");
            }
            if (s.equals(">") || s.equals("**")) {
                if (!last) {
                    throw new InvalidTopicException("pattern \"" + pattern + "\": '" + s
                            + "' matches the rest of a topic and must be the last segment");
                }
                tail = true;
                literal = false;
                continue;
            }
            if (s.equals("*")) {
                literal = false;
            } else {
                for (int j = 0; j < s.length(); j++) {
                    char c = s.charAt(j);
                    if (c == '?') {
                        literal = false;
                    } else if (!TopicName.isSegmentChar(c)) {
                        throw new InvalidTopicException("pattern \"" + pattern + "\" has '" + c + "' inside segment \""
                                + s + "\"; use '*' for a whole segment, '>' for the rest, '?' for one character");
                    }
                }
            }
            segments.add(s);
        }
        return new TopicPattern(pattern, segments.toArray(String[]::new), tail, literal);
    }

    /** True when the pattern has no wildcard, so it names exactly one topic. */
    public boolean isLiteral() {
        return literal;
    }

    /** True when the topic matches. Allocates nothing. */
    public boolean matches(String topic) {
        int pos = 0;
        int n = topic.length();
        for (String segment : segments) {
            if (pos > n) {
                return false;
            }
            int end = topic.indexOf('.', pos);
            if (end < 0) {
                end = n;
            }
            if (!segmentMatches(segment, topic, pos, end)) {
                return false;
            }
            pos = end + 1;
        }
        // pos == n + 1 means every topic segment was consumed
        return tail ? pos <= n : pos == n + 1;
    }

    /**
     * True when some topic matches both patterns (used to tell a subscription that no rule can
     * ever allow from one that some rule allows in part). Allocates nothing.
     */
    public boolean overlaps(TopicPattern other) {
        int common = Math.min(segments.length, other.segments.length);
        for (int i = 0; i < common; i++) {
            if (!segmentsOverlap(segments[i], other.segments[i])) {
                return false;
            }
        }
        // the lengths of topics each matches: n exactly, or n+1 and more with a tail
        int n = segments.length;
        int m = other.segments.length;
        if (tail && other.tail) {
            return true;
        }
        if (tail) {
            return m >= n + 1;
        }
        if (other.tail) {
            return n >= m + 1;
        }
        return n == m;
    }

    /** True when every topic {@code other} matches, this pattern matches too. Allocates nothing. */
    public boolean covers(TopicPattern other) {
        int n = segments.length;
        int m = other.segments.length;
        boolean lengthsCovered = tail ? (other.tail ? m >= n : m >= n + 1) : (!other.tail && m == n);
        if (!lengthsCovered) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (!segmentCovers(segments[i], other.segments[i])) {
                return false;
            }
        }
        return true;
    }

    private static boolean segmentsOverlap(String a, String b) {
        if (a.equals("*") || b.equals("*")) {
            return true;
        }
        if (a.length() != b.length()) {
            return false;
        }
        for (int i = 0; i < a.length(); i++) {
            char x = a.charAt(i);
            char y = b.charAt(i);
            if (x != y && x != '?' && y != '?') {
                return false;
            }
        }
        return true;
    }

    private static boolean segmentCovers(String a, String b) {
        if (a.equals("*")) {
            return true;
        }
        if (b.equals("*") || a.length() != b.length()) {
            return false;
        }
        for (int i = 0; i < a.length(); i++) {
            char x = a.charAt(i);
            if (x != '?' && x != b.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static boolean segmentMatches(String segment, String topic, int from, int to) {
        if (segment.equals("*")) {
            return to > from;
        }
        if (segment.length() != to - from) {
            return false;
        }
        for (int i = 0; i < segment.length(); i++) {
            char c = segment.charAt(i);
            if (c != '?' && c != topic.charAt(from + i)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return text;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TopicPattern p && p.text.equals(text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }
}
