package io.tidegate.gateway.arbitrage;

import io.tidegate.intelligence.instrument.InstrumentKey;

/**
 * The topic an instrument's signals go to: {@code signals.arb.<BASE>.<QUOTE>[.<SETTLE>[-YYMMDD[-STRIKE-C|P]]]},
 * the ccxt key with '/' and ':' as topic separators and a decimal point in a strike written 'd'
 * ({@code 0.5} as {@code 0d5}, as venues such as OKX do). So {@code BTC/USDT} is
 * {@code signals.arb.BTC.USDT}, {@code BTC/USDT:USDT} is {@code signals.arb.BTC.USDT.USDT} and
 * {@code signals.arb.BTC.>} takes every BTC instrument. Any other character a topic segment does
 * not allow becomes '_'. Stateless; thread-safe.
 */
public final class SignalTopic {

    /** Prefix of every arbitrage signal topic. */
    public static final String PREFIX = "signals.arb.";

    private SignalTopic() {
    }

    /** The signal topic of an instrument. */
    public static String of(InstrumentKey key) {
        StringBuilder topic = new StringBuilder(PREFIX.length() + 32).append(PREFIX);
        appendSafe(topic, key.base());
        topic.append('.');
        appendSafe(topic, key.quote());
        String unified = key.toString();
        int colon = unified.indexOf(':');
        if (colon >= 0) {
            topic.append('.');
            appendSafe(topic, unified.substring(colon + 1).replace('.', 'd'));
        }
        return topic.toString();
    }

    private static void appendSafe(StringBuilder topic, String part) {
        for (int i = 0; i < part.length(); i++) {
            char c = part.charAt(i);
            boolean allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
            topic.append(allowed ? c : '_');
        }
    }
}
