package io.tidegate.gateway.arbitrage;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.gateway.routing.TopicName;
import io.tidegate.intelligence.instrument.InstrumentKey;
import java.math.BigDecimal;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;

class SignalTopicTest {

    @Test
    void everyKindOfKeyGivesAValidTopicThatKeepsItsParts() {
        LocalDate expiry = LocalDate.of(2025, 3, 28);
        assertTopic(InstrumentKey.spot("BTC", "USDT"), "signals.arb.BTC.USDT");
        assertTopic(InstrumentKey.perpetual("BTC", "USDT", "USDT"), "signals.arb.BTC.USDT.USDT");
        assertTopic(InstrumentKey.future("BTC", "USD", "BTC", expiry), "signals.arb.BTC.USD.BTC-250328");
        assertTopic(InstrumentKey.option("BTC", "USD", "BTC", expiry, new BigDecimal("100000"), InstrumentKey.Right.CALL),
                "signals.arb.BTC.USD.BTC-250328-100000-C");
        assertTopic(InstrumentKey.option("XRP", "USDC", "USDC", expiry, new BigDecimal("0.50"), InstrumentKey.Right.PUT),
                "signals.arb.XRP.USDC.USDC-250328-0d5-P");
    }

    @Test
    void charactersATopicCannotHoldBecomeUnderscores() {
        assertTopic(InstrumentKey.spot("BTC.B", "US$"), "signals.arb.BTC_B.US_");
    }

    private static void assertTopic(InstrumentKey key, String expected) {
        String topic = SignalTopic.of(key);
        assertThat(topic).isEqualTo(expected);
        TopicName.validate(topic, 256);
    }
}
