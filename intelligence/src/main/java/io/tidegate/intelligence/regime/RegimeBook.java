package io.tidegate.intelligence.regime;

import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The regime of every instrument the gateway sees, by venue and symbol: hands out one
 * {@link InstrumentRegime} per instrument (each with its own classifier and learned normals) and answers
 * GetRegime(venue, symbol). Bounded: at most {@code maxInstruments} instruments, a number from
 * configuration.
 *
 * <p>Threading: {@link #instrument} and {@link #regime} are safe from any thread; each handle has its own
 * single-writer rule.
 */
public final class RegimeBook {
    private final ConcurrentHashMap<String, InstrumentRegime> instruments = new ConcurrentHashMap<>();
    private final int maxInstruments;
    private final Supplier<RegimeClassifier> classifiers;
    private final RegimeListener listener;

    /**
     * @param maxInstruments the most instruments tracked (each costs about 1 KB plus the window)
     * @param classifiers    makes one classifier per instrument, e.g. {@code () -> new RegimeDetector(settings)}
     * @param listener       told of every change, on the feeding thread
     */
    public RegimeBook(int maxInstruments, Supplier<RegimeClassifier> classifiers, RegimeListener listener) {
        if (maxInstruments < 1) {
            throw new IllegalArgumentException("maxInstruments must be at least 1, got " + maxInstruments);
        }
        this.maxInstruments = maxInstruments;
        this.classifiers = Objects.requireNonNull(classifiers, "classifiers");
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    /** A book of {@link RegimeDetector}s with the default settings. */
    public static RegimeBook ofDetectors(int maxInstruments, RegimeListener listener) {
        RegimeSettings settings = RegimeSettings.defaults();
        return new RegimeBook(maxInstruments, () -> new RegimeDetector(settings), listener);
    }

    /**
     * The handle of this instrument, made on first use.
     *
     * @throws IllegalStateException when the book already holds {@code maxInstruments} other instruments
     */
    public InstrumentRegime instrument(String venue, String symbol) {
        String key = key(venue, symbol);
        InstrumentRegime known = instruments.get(key);
        if (known != null) {
            return known;
        }
        synchronized (instruments) {
            known = instruments.get(key);
            if (known != null) {
                return known;
            }
            if (instruments.size() >= maxInstruments) {
                throw new IllegalStateException("regime book is full: " + maxInstruments
                        + " instruments tracked; raise the instrument limit to track " + venue + "." + symbol);
            }
            InstrumentRegime made = new InstrumentRegime(venue, symbol, classifiers.get(), listener);
            instruments.put(key, made);
            return made;
        }
    }

    /** GetRegime(venue, symbol): the instrument's current regime, empty if unknown or still warming up. */
    public Optional<RegimeChange> regime(String venue, String symbol) {
        InstrumentRegime known = instruments.get(key(venue, symbol));
        return known == null ? Optional.empty() : Optional.ofNullable(known.current());
    }

    /** How many instruments are tracked. */
    public int size() {
        return instruments.size();
    }

    private static String key(String venue, String symbol) {
        Objects.requireNonNull(venue, "venue");
        Objects.requireNonNull(symbol, "symbol");
        return venue + '\u0000' + symbol;
    }
}
