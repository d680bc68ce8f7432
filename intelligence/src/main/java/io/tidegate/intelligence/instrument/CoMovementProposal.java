package io.tidegate.intelligence.instrument;

/**
 * Two symbols on different venues whose mid prices tracked each other closely for a while, so they
 * may be one asset: a proposal, never a fact by itself ({@link InstrumentCatalog#confirm} learns
 * from it only when a listing names one of the two). Immutable and thread-safe.
 *
 * @param venueA        one venue, as its topics name it
 * @param symbolA       its symbol
 * @param venueB        the other venue
 * @param symbolB       its symbol
 * @param samples       consecutive observations within the tolerance
 * @param durationNanos time from the first of them to the last
 * @param worstBps      the widest gap seen among them, in basis points of the mean mid
 * @param confidence    0..0.8: co-movement alone never makes a fact as sure as a listing
 */
public record CoMovementProposal(String venueA, String symbolA, String venueB, String symbolB, int samples,
    long durationNanos, double worstBps, double confidence) {

  /** What the proposal rests on, for people. */
  public String evidence() {
    return String.format(java.util.Locale.ROOT, "mids of %s %s and %s %s within %.1f bps over %d samples and %d s",
        venueA, symbolA, venueB, symbolB, worstBps, samples, durationNanos / 1_000_000_000L);
  }
}
