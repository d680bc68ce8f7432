package io.tidegate.gateway.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TopicPatternTest {

    @ParameterizedTest(name = "{0} ~ {1} -> {2}")
    @CsvSource({
        "data.quotes.BINANCE.BTCUSDT, data.quotes.BINANCE.BTCUSDT, true",
        "data.quotes.BINANCE.BTCUSDT, data.quotes.BINANCE.ETHUSDT, false",
        "data.quotes.*.BTCUSDT,       data.quotes.OKX.BTCUSDT,     true",
        "data.quotes.*.BTCUSDT,       data.quotes.BTCUSDT,         false",
        "data.quotes.*,               data.quotes.OKX.BTCUSDT,     false",
        "data.>,                      data.quotes.OKX.BTCUSDT,     true",
        "data.>,                      data,                        false",
        "data.**,                     data.x,                      true",
        "data.**,                     datax.y,                     false",
        ">,                           a,                           true",
        "data.quotes.OK?.*,           data.quotes.OKX.BTC,         true",
        "data.quotes.OK?.*,           data.quotes.OK.BTC,          false",
        "*.*,                         a.b,                         true",
        "*.*,                         a.b.c,                       false",
        "a.*.c,                       a..c,                        false",
    })
    void matchesBySegment(String pattern, String topic, boolean expected) {
        assertThat(TopicPattern.compile(pattern, 255).matches(topic)).isEqualTo(expected);
    }

    @Test
    void literalPatternsAreRecognised() {
        assertThat(TopicPattern.compile("a.b", 255).isLiteral()).isTrue();
        assertThat(TopicPattern.compile("a.*", 255).isLiteral()).isFalse();
        assertThat(TopicPattern.compile("a.>", 255).isLiteral()).isFalse();
        assertThat(TopicPattern.compile("a.b?", 255).isLiteral()).isFalse();
    }

    @Test
    void tailWildcardMustBeLast() {
        assertThatThrownBy(() -> TopicPattern.compile("a.>.b", 255))
                .hasMessageContaining("must be the last segment");
    }

    @Test
    void partialStarIsRejectedWithAHint() {
        assertThatThrownBy(() -> TopicPattern.compile("data.BTC*", 255))
                .hasMessageContaining("use '*' for a whole segment");
    }

    @Test
    void emptySegmentIsRejected() {
        assertThatThrownBy(() -> TopicPattern.compile("a..b", 255)).hasMessageContaining("empty segment");
    }

    @Test
    void topicRulesNameTheProblem() {
        assertThatThrownBy(() -> TopicName.validate("a..b", 255)).hasMessage("topic \"a..b\" has an empty segment");
        assertThatThrownBy(() -> TopicName.validate("", 255)).hasMessageContaining("topic is empty");
        assertThatThrownBy(() -> TopicName.validate("a.*", 255)).hasMessageContaining("wildcards belong in subscription patterns");
        assertThatThrownBy(() -> TopicName.validate("x".repeat(300), 255)).hasMessageContaining("the limit is 255");
        TopicName.validate("data.quotes.BINANCE.BTC-USDT_1", 255);
    }

    @Test
    void overlapsWhenSomeTopicMatchesBoth() {
        assertThat(p(">").overlaps(p("exec.commands.BINANCE.o1"))).isTrue();
        assertThat(p("exec.*.BINANCE.>").overlaps(p("exec.commands.>"))).isTrue();
        assertThat(p("data.q?.x").overlaps(p("data.*.x"))).isTrue();
        assertThat(p("exec.>").overlaps(p("exec"))).isFalse();
        assertThat(p("exec.>").overlaps(p("data.>"))).isFalse();
        assertThat(p("a.b").overlaps(p("a.b.c"))).isFalse();
    }

    @Test
    void coversWhenEveryTopicOfTheOtherMatches() {
        assertThat(p("exec.>").covers(p("exec.commands.>"))).isTrue();
        assertThat(p("exec.>").covers(p("exec.*"))).isTrue();
        assertThat(p(">").covers(p("a"))).isTrue();
        assertThat(p("exec.*.BINANCE.>").covers(p("exec.commands.BINANCE.o1"))).isTrue();
        assertThat(p("exec.commands.>").covers(p("exec.>"))).isFalse();
        assertThat(p("exec.>").covers(p("exec"))).isFalse();
        assertThat(p("data.q?").covers(p("data.*"))).isFalse();
        assertThat(p("a.*").covers(p("a.>"))).isFalse();
    }

    private static TopicPattern p(String pattern) {
        return TopicPattern.compile(pattern, 256);
    }
}
