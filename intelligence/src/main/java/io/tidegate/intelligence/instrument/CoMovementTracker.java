package io.tidegate.intelligence.instrument;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Proposes two symbols no listing names, on different venues, as one asset when their mid prices
 * stay within {@link Settings#maxBps} of each other for {@link Settings#minSamples} consecutive
 * observations spanning at least {@link Settings#minDuration}: a venue's odd code for a coin
 * another venue lists prices like that coin. Co-movement proves little alone (a spot market and its
 * perpetual, or two stable coins, track each other too), so a proposal is only handed on;
 * {@link InstrumentCatalog#confirm} learns from it once a listing names one side.
 *
 * <p>Bounded: at most {@code maxSymbols} symbols and {@code maxPairs} pairs are tracked; further
 * ones are ignored. Two symbols are paired when the second is first seen within the tolerance of the
 * first; a pair whose gap widens past it starts its count again. Each pair is proposed once. A
 * symbol observed as an anchor (one a listing names, fed so that an unknown symbol has something to
 * be confirmed against) is never paired with another anchor: two listed markets teach nothing.
 * Observing a symbol already tracked allocates nothing.
 *
 * <p>Threading: not thread-safe; feed it from one thread (the gateway's market-data thread).
 */
public final class CoMovementTracker {

  /** The most confidence co-movement alone gives. */
  public static final double MAX_CONFIDENCE = 0.8;

  /**
   * @param maxBps      widest gap between the two mids, in bps of their mean, that counts as tracking
   * @param minSamples  consecutive observations within it before a proposal
   * @param minDuration nanoseconds those observations must span at least
   * @param maxSkew     nanoseconds the other side's mid may be older than this one's to be compared
   * @param maxSymbols  symbols tracked at most
   * @param maxPairs    pairs tracked at most
   */
  public record Settings(double maxBps, int minSamples, long minDuration, long maxSkew, int maxSymbols,
      int maxPairs) {

    public Settings {
      if (!(maxBps > 0) || minSamples < 1 || minDuration < 0 || maxSkew < 0 || maxSymbols < 2 || maxPairs < 1) {
        throw new IllegalArgumentException("co-movement settings out of range: " + maxBps + " bps, " + minSamples
            + " samples, " + minDuration + " ns, skew " + maxSkew + " ns, " + maxSymbols + " symbols, "
            + maxPairs + " pairs");
      }
    }
  }

  private static final class Symbol {
    final String venue;
    final String name;
    final List<Pair> pairs = new ArrayList<>(2);
    boolean anchor;
    double mid;
    long nanos;

    Symbol(String venue, String name) {
      this.venue = venue;
      this.name = name;
    }
  }

  private static final class Pair {
    final Symbol a;
    final Symbol b;
    int samples;
    long firstNanos;
    double worstBps;
    boolean proposed;

    Pair(Symbol a, Symbol b) {
      this.a = a;
      this.b = b;
    }

    Symbol other(Symbol s) {
      return s == a ? b : a;
    }
  }

  private final Settings settings;
  /** venue -> symbol -> tracked: two lookups, so an observation builds no key. */
  private final Map<String, Map<String, Symbol>> symbols = new HashMap<>();
  private int symbolCount;
  private int pairs;

  public CoMovementTracker(Settings settings) {
    this.settings = settings;
  }

  /**
   * One mid price of a symbol no listing names.
   *
   * @return the proposal this observation completes, if any
   */
  public Optional<CoMovementProposal> observe(String venue, String symbol, double mid, long nanos) {
    return observe(venue, symbol, mid, nanos, false);
  }

  /**
   * One mid price of a symbol; {@code anchor} when a listing names it (it is then only paired with
   * symbols that are not anchors).
   *
   * @return the proposal this observation completes, if any
   */
  public Optional<CoMovementProposal> observe(String venue, String symbol, double mid, long nanos, boolean anchor) {
    if (!(mid > 0) || Double.isInfinite(mid)) {
      return Optional.empty();
    }
    Map<String, Symbol> onVenue = symbols.get(venue);
    Symbol s = onVenue == null ? null : onVenue.get(symbol);
    if (s == null) {
      if (symbolCount >= settings.maxSymbols()) {
        return Optional.empty();
      }
      s = new Symbol(venue, symbol);
      s.anchor = anchor;
      s.mid = mid;
      s.nanos = nanos;
      pairWithTheClose(s);
      symbols.computeIfAbsent(venue, v -> new HashMap<>()).put(symbol, s);
      symbolCount++;
      return Optional.empty();
    }
    s.anchor = anchor;
    s.mid = mid;
    s.nanos = nanos;
    CoMovementProposal made = null;
    for (int i = 0; i < s.pairs.size(); i++) {
      CoMovementProposal now = update(s.pairs.get(i), s);
      if (made == null) {
        made = now;
      }
    }
    return Optional.ofNullable(made);
  }

  /** Symbols tracked. */
  public int symbolCount() {
    return symbolCount;
  }

  /** Pairs tracked. */
  public int pairCount() {
    return pairs;
  }

  private void pairWithTheClose(Symbol s) {
    for (Map<String, Symbol> onVenue : symbols.values()) {
      for (Symbol other : onVenue.values()) {
        if (pairs >= settings.maxPairs()) {
          return;
        }
        pairIfClose(s, other);
      }
    }
  }

  private void pairIfClose(Symbol s, Symbol other) {
    if (!other.venue.equals(s.venue) && !(s.anchor && other.anchor) && s.nanos - other.nanos <= settings.maxSkew()
        && gapBps(s.mid, other.mid) <= settings.maxBps()) {
      Pair p = new Pair(other, s);
      p.samples = 1;
      p.firstNanos = s.nanos;
      p.worstBps = gapBps(s.mid, other.mid);
      other.pairs.add(p);
      s.pairs.add(p);
      pairs++;
    }
  }

  private CoMovementProposal update(Pair p, Symbol moved) {
    Symbol other = p.other(moved);
    if (moved.nanos - other.nanos > settings.maxSkew()) {
      return null; // the other side is silent: no evidence either way
    }
    double gap = gapBps(moved.mid, other.mid);
    if (gap > settings.maxBps()) {
      p.samples = 0;
      p.worstBps = 0;
      return null;
    }
    if (p.samples == 0) {
      p.firstNanos = moved.nanos;
    }
    p.samples++;
    p.worstBps = Math.max(p.worstBps, gap);
    long span = moved.nanos - p.firstNanos;
    if (p.proposed || p.samples < settings.minSamples() || span < settings.minDuration()) {
      return null;
    }
    p.proposed = true;
    // the closer they tracked, the surer: from MAX_CONFIDENCE at a gap of 0 to half of it at maxBps
    double confidence = MAX_CONFIDENCE * (1 - p.worstBps / (2 * settings.maxBps()));
    return new CoMovementProposal(p.a.venue, p.a.name, p.b.venue, p.b.name, p.samples, span, p.worstBps, confidence);
  }

  private static double gapBps(double x, double y) {
    return Math.abs(x - y) / ((x + y) / 2) * 10_000;
  }
}
