package io.tidegate.gateway.routing;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes topic and pattern parsing with arbitrary text: {@link TopicName#validate} and
 * {@link TopicPattern#compile} either accept or throw {@link InvalidTopicException} (anything
 * else fails the run), and what they accept keeps the matching laws: a literal pattern matches
 * its own topic, {@code overlaps} is symmetric, and a pattern that {@code covers} another
 * matches every topic the other matches. Corpus: {@code TopicParsingFuzzTestInputs/}; run
 * longer as docs/fuzzing.md says.
 */
class TopicParsingFuzzTest {

    private static final int MAX_LENGTH = 256;

    @FuzzTest(maxDuration = "5s")
    void parsingAcceptsOrExplainsAndAcceptedPatternsKeepTheMatchingLaws(FuzzedDataProvider data) {
        String first = data.consumeString(300);
        String second = data.consumeString(300);
        String topic = data.consumeRemainingAsString();
        TopicPattern a = compileOrNull(first);
        TopicPattern b = compileOrNull(second);
        boolean validTopic = validates(topic);
        if (a != null && a.isLiteral() && !a.matches(first)) {
            throw new AssertionError("literal pattern " + first + " does not match itself");
        }
        if (a != null && b != null) {
            if (a.overlaps(b) != b.overlaps(a)) {
                throw new AssertionError("overlaps is not symmetric for " + first + " and " + second);
            }
            if (validTopic && a.covers(b) && b.matches(topic) && !a.matches(topic)) {
                throw new AssertionError(first + " covers " + second + ", which matches " + topic + ", but " + first
                        + " does not");
            }
            if (validTopic && a.matches(topic) && b.matches(topic) && !a.overlaps(b)) {
                throw new AssertionError(first + " and " + second + " both match " + topic + " but do not overlap");
            }
        }
    }

    private static TopicPattern compileOrNull(String pattern) {
        try {
            return TopicPattern.compile(pattern, MAX_LENGTH);
        } catch (InvalidTopicException e) {
            requireMessage(e);
            return null;
        }
    }

    private static boolean validates(String topic) {
        try {
            TopicName.validate(topic, MAX_LENGTH);
            return true;
        } catch (InvalidTopicException e) {
            requireMessage(e);
            return false;
        }
    }

    private static void requireMessage(InvalidTopicException e) {
        if (e.getMessage() == null || e.getMessage().isBlank()) {
            throw new AssertionError("a refusal without a message", e);
        }
    }
}
