package io.tidegate.gateway.console;

import java.util.Map;

/** Market regimes and arbitrage signals, when those features are on; cheap reads, any thread. */
public interface IntelligenceView {

    /** Whether regime detection runs ({@code intelligence.regime.enabled}). */
    boolean regimesEnabled();

    /** Instruments whose regime is tracked. */
    int instrumentsTracked();

    /** Instruments that entered each regime since start, by regime name. */
    Map<String, Long> regimeChanges();

    /** The current regime of an instrument ({@code data.quotes.<venue>.<symbol>}), or null when unknown. */
    String regimeOf(String venue, String symbol);

    /** Whether the arbitrage detector runs ({@code intelligence.arbitrage.enabled}). */
    boolean arbitrageEnabled();

    /** Arbitrage signals published since start. */
    long arbitrageSignals();
}
