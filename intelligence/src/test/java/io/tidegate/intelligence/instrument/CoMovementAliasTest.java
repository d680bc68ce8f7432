package io.tidegate.intelligence.instrument;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Co-movement alias learning: two unknown symbols whose mids track each other are proposed as one
 * asset, and the catalog learns from the proposal only once a listing names one of them.
 */
class CoMovementAliasTest {

  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
  private static final CoMovementTracker.Settings SETTINGS =
      new CoMovementTracker.Settings(5, 20, 10 * SECOND, 2 * SECOND, 100, 100);

  /** Feeds both symbols one mid a second for {@code seconds}, 1 bp apart (20 bps every 5th second when diverging). */
  private static List<CoMovementProposal> feed(CoMovementTracker tracker, String venueA, String a, String venueB,
                                               String b, int seconds, boolean diverging) {
    List<CoMovementProposal> made = new ArrayList<>();
    for (int t = 0; t < seconds; t++) {
      double mid = 50_000 * (1 + 0.001 * Math.sin(t / 3.0)); // the asset moves; both venues follow
      double gap = diverging && t % 5 == 4 ? 0.002 : 0.0001; // 20 bps or 1 bp
      tracker.observe(venueA, a, mid, t * SECOND).ifPresent(made::add);
      tracker.observe(venueB, b, mid * (1 + gap), t * SECOND + 1).ifPresent(made::add);
    }
    return made;
  }

  @Test
  void trackingUnknownSymbolsAreProposedAndLearnedOnlyOnceAListingNamesOne() {
    CoMovementTracker tracker = new CoMovementTracker(SETTINGS);
    InstrumentCatalog catalog = new InstrumentCatalog(SymbolResolver.withVenueRules(), 100);

    List<CoMovementProposal> made = feed(tracker, "ALPHA", "WBTUSDT", "BINANCE", "BTCUSDT", 40, false);

    assertThat(made).hasSize(1); // once per pair, however long they keep tracking
    CoMovementProposal proposal = made.get(0);
    assertThat(proposal.samples()).isGreaterThanOrEqualTo(20);
    assertThat(proposal.durationNanos()).isGreaterThanOrEqualTo(10 * SECOND);
    assertThat(proposal.worstBps()).isLessThan(5);
    assertThat(proposal.confidence()).isBetween(0.4, CoMovementTracker.MAX_CONFIDENCE);
    assertThat(proposal.evidence()).contains("ALPHA WBTUSDT", "BINANCE BTCUSDT", "samples");

    // prices alone are no listing evidence: nothing is learned yet
    assertThat(catalog.confirm(proposal, "spot")).isEmpty();
    assertThat(catalog.identify("ALPHA", "spot", "WBTUSDT")).map(i -> i.key().toString()).contains("WBT/USDT");

    catalog.add(new Listing("BINANCE", "spot", "BTCUSDT", InstrumentKey.parse("BTC/USDT").orElseThrow(), List.of(),
        "BTC", "USDT"));
    Optional<LearnedAlias> learned = catalog.confirm(proposal, "spot");

    assertThat(learned).isPresent();
    assertThat(learned.get().venue()).isEqualTo("ALPHA");
    assertThat(learned.get().code()).isEqualTo("WBT");
    assertThat(learned.get().currency()).isEqualTo("BTC");
    assertThat(learned.get().confidence()).isEqualTo(proposal.confidence());
    assertThat(learned.get().evidence()).contains("BINANCE spot BTCUSDT", "listed as BTC/USDT", "samples");
    Identification id = catalog.identify("ALPHA", "spot", "WBTUSDT").orElseThrow();
    assertThat(id.key().toString()).isEqualTo("BTC/USDT");
    assertThat(id.source()).isEqualTo(Identification.Source.CO_MOVEMENT);
    assertThat(id.confidence()).isLessThanOrEqualTo(proposal.confidence());
    assertThat(id.evidence()).contains("priced with BINANCE");
  }

  @Test
  void symbolsWhoseGapKeepsWideningAreNeverProposed() {
    CoMovementTracker tracker = new CoMovementTracker(SETTINGS);

    assertThat(feed(tracker, "ALPHA", "WBTUSDT", "BINANCE", "BTCUSDT", 200, true)).isEmpty();
    assertThat(tracker.pairCount()).isEqualTo(1);
  }

  @Test
  void aProposalAgainstAListingOfAnotherQuoteTeachesNothing() {
    CoMovementTracker tracker = new CoMovementTracker(SETTINGS);
    InstrumentCatalog catalog = new InstrumentCatalog(SymbolResolver.withVenueRules(), 100);
    CoMovementProposal proposal = feed(tracker, "ALPHA", "WBTUSD", "BINANCE", "BTCUSDT", 40, false).get(0);
    catalog.add(new Listing("BINANCE", "spot", "BTCUSDT", InstrumentKey.parse("BTC/USDT").orElseThrow(), List.of(),
        "BTC", "USDT"));

    assertThat(catalog.confirm(proposal, "spot")).isEmpty();
    assertThat(catalog.learnedAliases()).isEmpty();
  }

  @Test
  void trackingIsBoundedBySymbolsAndPairs() {
    CoMovementTracker tracker = new CoMovementTracker(new CoMovementTracker.Settings(5, 20, 0, SECOND, 3, 1));
    tracker.observe("A", "X", 100, 0);
    tracker.observe("B", "X", 100, 0);
    tracker.observe("C", "X", 100, 0);
    tracker.observe("D", "X", 100, 0);

    assertThat(tracker.symbolCount()).isEqualTo(3);
    assertThat(tracker.pairCount()).isEqualTo(1);
  }

  @Test
  void twoAnchorsAreNeverPairedButAnAnchorAndAnUnknownSymbolAre() {
    CoMovementTracker tracker = new CoMovementTracker(SETTINGS);
    tracker.observe("BINANCE", "BTCUSDT", 50_000, 0, true);
    tracker.observe("OKX", "BTCUSDT", 50_000, 1, true);
    assertThat(tracker.pairCount()).isZero();

    tracker.observe("ALPHA", "WBTUSDT", 50_001, 2, false);
    assertThat(tracker.pairCount()).isEqualTo(2);
  }
}
