package io.tidegate.intelligence.regime;

/**
 * A labelled quote series from the {@link RegimeSeriesGenerator}: event i is a quote with ts_event
 * {@code ts[i]} whose true regime is {@code Regime.of(label[i])}. The first {@code warmup} events are the
 * generator's warm-up (always ranging) and are not scored. Arrays are shared, not copied: treat as read-only;
 * then safe to read from any thread.
 *
 * @param profile the instrument the series imitates
 * @param seed    the seed that reproduces it
 */
public record GeneratedSeries(InstrumentProfile profile, long seed, int warmup, long[] ts, double[] bid,
                              double[] ask, double[] bidSize, double[] askSize, byte[] label) {

    public int size() {
        return ts.length;
    }

    /** Feeds events [from, to) to a classifier and writes its regime after each into {@code out}. */
    public void replay(RegimeClassifier classifier, int from, int to, byte[] out) {
        for (int i = from; i < to; i++) {
            classifier.onQuote(ts[i], bid[i], ask[i], bidSize[i], askSize[i]);
            out[i] = (byte) classifier.regime().ordinal();
        }
    }
}
