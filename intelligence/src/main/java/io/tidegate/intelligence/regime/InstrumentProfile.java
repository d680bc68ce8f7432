package io.tidegate.intelligence.regime;

/**
 * What "normal" looks like for one generated instrument: the scale the {@link RegimeSeriesGenerator}
 * multiplies by each regime's parameters. Immutable; safe from any thread.
 *
 * @param name         for reports
 * @param price        starting mid price
 * @param sigma        standard deviation of one quote's mid log-return in a normal market
 * @param spread       normal relative spread (ask - bid) / mid
 * @param meanGapNanos normal mean time between quotes, in event-time nanoseconds
 * @param topSize      normal bid size + ask size
 */
public record InstrumentProfile(String name, double price, double sigma, double spread, double meanGapNanos,
                                double topSize) {

    /** A liquid large-cap: 97,000, tiny spread, a quote every 20 ms. */
    public static final InstrumentProfile BTC_LIKE =
            new InstrumentProfile("BTC-like", 97_000, 2e-5, 1e-6, 20e6, 2.0);

    /** An illiquid altcoin: 0.05, 0.4 % spread, a quote every 2 s, 75 times the volatility per quote. */
    public static final InstrumentProfile ALTCOIN_LIKE =
            new InstrumentProfile("altcoin-like", 0.05, 1.5e-3, 4e-3, 2e9, 50_000);
}
