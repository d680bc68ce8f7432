package io.tidegate.intelligence.regime;

/**
 * One instrument's regime: feeds its quotes and trades to a {@link RegimeClassifier} and turns a change of
 * regime into a {@link RegimeChange} for the listener and for {@link #current()}. The gateway keeps this
 * handle per subscribed instrument so the per-message path has no lookup and no allocation.
 *
 * <p>Threading: one writer thread at a time calls {@link #onQuote} and {@link #onTrade}; {@link #current()}
 * may be read from any thread.
 */
public final class InstrumentRegime {
    private final String venue;
    private final String symbol;
    private final RegimeClassifier classifier;
    private final RegimeListener listener;
    private volatile RegimeChange current;

    InstrumentRegime(String venue, String symbol, RegimeClassifier classifier, RegimeListener listener) {
        this.venue = venue;
        this.symbol = symbol;
        this.classifier = classifier;
        this.listener = listener;
    }

    /** Takes one quote; see {@link RegimeClassifier#onQuote}. Returns true if the regime changed. */
    public boolean onQuote(long tsEventNanos, double bidPrice, double askPrice, double bidSize, double askSize) {
        return changed(classifier.onQuote(tsEventNanos, bidPrice, askPrice, bidSize, askSize), tsEventNanos);
    }

    /** Takes one trade; see {@link RegimeClassifier#onTrade}. Returns true if the regime changed. */
    public boolean onTrade(long tsEventNanos, double price, double size) {
        return changed(classifier.onTrade(tsEventNanos, price, size), tsEventNanos);
    }

    private boolean changed(boolean changed, long tsEventNanos) {
        if (changed) {
            RegimeChange change = new RegimeChange(venue, symbol, classifier.regime(), classifier.confidence(),
                    tsEventNanos, classifier.features());
            current = change;
            listener.onRegimeChange(change);
        }
        return changed;
    }

    /** The last change, i.e. the regime now and since when; null until the first change after the warm-up. */
    public RegimeChange current() {
        return current;
    }

    public String venue() {
        return venue;
    }

    public String symbol() {
        return symbol;
    }
}
