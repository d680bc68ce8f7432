package io.tidegate.intelligence.arbitrage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.tidegate.intelligence.instrument.InstrumentKey;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ArbitrageDetectorTest {

  private static final long SECOND = 1_000_000_000L;
  private static final InstrumentKey BTC = InstrumentKey.spot("BTC", "USDT");

  private final List<ArbitrageSignal> signals = new ArrayList<>();

  private ArbitrageDetector detector(Map<String, VenueTerms> venues, double thresholdBps) {
    return new ArbitrageDetector(new ArbitrageSettings(thresholdBps, SECOND, 10, 4, 1.0, 0.2, venues, VenueTerms.FREE),
        signals::add);
  }

  private static void quote(ArbitrageDetector d, String venue, double bid, double bidSize, double ask, double askSize,
      long now) {
    d.onTopOfBook(d.instrument(BTC), d.venue(venue), bid, bidSize, ask, askSize, now + 7, now);
  }

  private static double net(double bid, double sellFeeBps, double ask, double buyFeeBps) {
    return (bid * (1 - sellFeeBps / 1e4) / (ask * (1 + buyFeeBps / 1e4)) - 1) * 1e4;
  }

  @Test
  void bidAboveAnotherVenuesAskWithoutFeesOpensWithPricesSizeEdgeAndEventTimes() {
    ArbitrageDetector d = detector(Map.of(), 0);
    quote(d, "A", 101, 2, 101.5, 5, 100);
    assertThat(signals).isEmpty();
    quote(d, "B", 99.5, 4, 100, 3, 200);

    assertThat(signals).hasSize(1);
    ArbitrageSignal s = signals.get(0);
    assertThat(s.kind()).isEqualTo(SignalKind.OPEN);
    assertThat(s.instrument()).isEqualTo(BTC);
    assertThat(s.buyVenue()).isEqualTo("B");
    assertThat(s.buyPrice()).isEqualTo(100);
    assertThat(s.sellVenue()).isEqualTo("A");
    assertThat(s.sellPrice()).isEqualTo(101);
    assertThat(s.size()).isEqualTo(2);
    assertThat(s.edgeBps()).isCloseTo(100, within(1e-9));
    assertThat(s.buyTsEvent()).isEqualTo(207);
    assertThat(s.sellTsEvent()).isEqualTo(107);
    assertThat(s.openedAtNanos()).isEqualTo(200);
    assertThat(s.durationNanos()).isZero();
  }

  @Test
  void feesLargerThanTheGrossEdgeGiveNoSignal() {
    ArbitrageDetector d = detector(Map.of("A", new VenueTerms(30, 0), "B", new VenueTerms(30, 0)), 0);
    quote(d, "A", 100.5, 1, 101, 1, 1);
    quote(d, "B", 99, 1, 100, 1, 2);
    assertThat(signals).isEmpty();
  }

  @Test
  void feesSmallerThanTheGrossEdgeOpenWithTheEdgeNetOfBothFees() {
    ArbitrageDetector d = detector(Map.of("a", new VenueTerms(20, 0), "B", new VenueTerms(15, 0)), 0);
    quote(d, "A", 100.5, 1, 101, 1, 1);
    quote(d, "B", 99, 1, 100, 1, 2);
    assertThat(signals).singleElement().satisfies(s -> {
      assertThat(s.buyVenue()).isEqualTo("B");
      assertThat(s.edgeBps()).isCloseTo(net(100.5, 20, 100, 15), within(1e-9)).isCloseTo(15, within(0.2));
    });
  }

  @Test
  void equalPricesAcrossVenuesAreNotACrossing() {
    ArbitrageDetector d = detector(Map.of(), 0);
    quote(d, "A", 100, 1, 100.5, 1, 1);
    quote(d, "B", 99.5, 1, 100, 1, 2);
    assertThat(signals).isEmpty();
  }

  @Test
  void anEdgeBelowTheThresholdGivesNoSignal() {
    ArbitrageDetector d = detector(Map.of(), 10);
    quote(d, "A", 100.05, 1, 101, 1, 1);
    quote(d, "B", 99, 1, 100, 1, 2);
    assertThat(signals).isEmpty();
    quote(d, "A", 100.2, 1, 101, 1, 3);
    assertThat(signals).singleElement().extracting(ArbitrageSignal::kind).isEqualTo(SignalKind.OPEN);
  }

  @Test
  void aStaleVenueIsLeftOutAndItsOpenCrossingClosesOnTheSweep() {
    ArbitrageDetector d = detector(Map.of(), 0);
    quote(d, "B", 99, 1, 100, 1, 0);
    quote(d, "A", 101, 1, 102, 1, 2 * SECOND);
    assertThat(signals).as("B's quote is two seconds old with a one second stale age").isEmpty();

    quote(d, "B", 99, 1, 100, 1, 2 * SECOND + 10);
    assertThat(signals).singleElement().extracting(ArbitrageSignal::kind).isEqualTo(SignalKind.OPEN);
    d.sweep(2 * SECOND + 20);
    assertThat(signals).hasSize(1);
    d.sweep(3 * SECOND + 1);
    assertThat(signals).hasSize(2);
    assertThat(signals.get(1).kind()).isEqualTo(SignalKind.CLOSE);
    assertThat(signals.get(1).durationNanos()).isEqualTo(SECOND - 9);
  }

  @Test
  void theExecutableSizeIsTheSmallerSideAndMustReachBothMinimums() {
    ArbitrageDetector d = detector(Map.of("A", new VenueTerms(0, 0.5), "B", new VenueTerms(0, 0.01)), 0);
    quote(d, "A", 101, 3, 102, 3, 1);
    quote(d, "B", 99, 1, 100, 0.2, 2);
    assertThat(signals).as("0.2 on B is below A's minimum of 0.5").isEmpty();

    quote(d, "B", 99, 1, 100, 0.7, 3);
    assertThat(signals).singleElement().satisfies(s -> {
      assertThat(s.kind()).isEqualTo(SignalKind.OPEN);
      assertThat(s.size()).isEqualTo(0.7);
    });
  }

  @Test
  void aSideBelowItsOwnVenuesMinimumDoesNotCount() {
    ArbitrageDetector d = detector(Map.of("A", new VenueTerms(0, 1)), 0);
    quote(d, "A", 101, 0.5, 102, 3, 1);
    quote(d, "B", 99, 1, 100, 5, 2);
    assertThat(signals).isEmpty();
  }

  @Test
  void aVenueBookResetMidCrossingClosesItAndItsNextQuoteReopens() {
    ArbitrageDetector d = detector(Map.of(), 0);
    quote(d, "A", 101, 1, 102, 1, 10);
    quote(d, "B", 99, 1, 100, 1, 20);
    d.venueReset("b", BTC, 50);
    assertThat(signals).extracting(ArbitrageSignal::kind).containsExactly(SignalKind.OPEN, SignalKind.CLOSE);
    assertThat(signals.get(1).durationNanos()).isEqualTo(30);
    assertThat(signals.get(1).buyVenue()).isEqualTo("B");

    quote(d, "A", 101, 1, 102, 1, 60);
    assertThat(signals).as("B has no prices after its reset").hasSize(2);
    quote(d, "B", 99, 1, 100, 1, 70);
    assertThat(signals).extracting(ArbitrageSignal::kind).containsExactly(SignalKind.OPEN, SignalKind.CLOSE, SignalKind.OPEN);
  }

  @Test
  void withThreeVenuesTheBestPairNetOfFeesIsChosen() {
    // C has the highest bid, but its fee makes A's bid the better sale
    ArbitrageDetector d = detector(Map.of("C", new VenueTerms(50, 0)), 0);
    quote(d, "A", 101, 1, 103, 1, 1);
    quote(d, "C", 101.3, 1, 104, 1, 2);
    quote(d, "B", 99, 1, 100, 1, 3);
    assertThat(signals).singleElement().satisfies(s -> {
      assertThat(s.buyVenue()).isEqualTo("B");
      assertThat(s.sellVenue()).isEqualTo("A");
      assertThat(s.edgeBps()).isCloseTo(100, within(1e-9));
    });
  }

  @Test
  void whenOneVenueHoldsTheBestBidAndAskTheNextBestOfTheOtherSideIsUsed() {
    ArbitrageDetector d = detector(Map.of(), 0);
    // A holds the best bid (105) and the best ask (100); its own crossed book is no arbitrage
    quote(d, "A", 105, 1, 100, 1, 1);
    quote(d, "B", 99, 1, 101, 1, 2);
    assertThat(signals).singleElement().satisfies(s -> {
      assertThat(s.buyVenue()).isEqualTo("B");
      assertThat(s.sellVenue()).isEqualTo("A");
      assertThat(s.edgeBps()).isCloseTo(net(105, 0, 101, 0), within(1e-9));
    });
  }

  @Test
  void openUpdateOnlyOnMaterialChangeThenCloseWithItsDuration() {
    ArbitrageDetector d = detector(Map.of(), 0);
    quote(d, "A", 101, 1, 102, 1, 100);
    quote(d, "B", 99, 2, 100, 2, 200);
    quote(d, "A", 101.001, 1.1, 102, 1, 300);
    assertThat(signals).as("0.1 bps and 10% size are below the update thresholds").hasSize(1);

    quote(d, "A", 101.5, 1.5, 102, 1, 400);
    assertThat(signals).hasSize(2);
    assertThat(signals.get(1).kind()).isEqualTo(SignalKind.UPDATE);
    assertThat(signals.get(1).size()).isEqualTo(1.5);
    assertThat(signals.get(1).sellPrice()).isEqualTo(101.5);
    assertThat(signals.get(1).openedAtNanos()).isEqualTo(200);

    quote(d, "A", 99.5, 1.5, 102, 1, 1_000);
    assertThat(signals).hasSize(3);
    ArbitrageSignal close = signals.get(2);
    assertThat(close.kind()).isEqualTo(SignalKind.CLOSE);
    assertThat(close.durationNanos()).isEqualTo(800);
    assertThat(close.sellPrice()).as("a close repeats what was last sent").isEqualTo(101.5);
  }

  @Test
  void anotherPairBecomingBestClosesTheOldAndOpensTheNew() {
    ArbitrageDetector d = detector(Map.of(), 0);
    quote(d, "A", 101, 1, 102, 1, 1);
    quote(d, "B", 99, 1, 100, 1, 2);
    quote(d, "C", 102, 1, 103, 1, 3);
    assertThat(signals).extracting(ArbitrageSignal::kind)
        .containsExactly(SignalKind.OPEN, SignalKind.CLOSE, SignalKind.OPEN);
    assertThat(signals.get(1).sellVenue()).isEqualTo("A");
    assertThat(signals.get(2).sellVenue()).isEqualTo("C");
    assertThat(signals.get(2).buyVenue()).isEqualTo("B");
  }

  @Test
  void instrumentsAndVenuesAreBounded() {
    ArbitrageDetector d = new ArbitrageDetector(
        new ArbitrageSettings(0, SECOND, 1, 2, 1, 0.2, Map.of(), null), signals::add);
    assertThat(d.instrument(BTC)).isNotNull();
    assertThat(d.instrument(InstrumentKey.spot("ETH", "USDT"))).isNull();
    assertThat(d.instrument(BTC)).isSameAs(d.instrument(BTC));
    assertThat(d.venue("A")).isEqualTo(0);
    assertThat(d.venue("b")).isEqualTo(1);
    assertThat(d.venue("B")).isEqualTo(1);
    assertThat(d.venue("C")).isEqualTo(-1);
    assertThat(d.instrumentCount()).isEqualTo(1);
  }

  @Test
  void updatesThatCrossNothingAllocateNothing() {
    ArbitrageDetector d = detector(Map.of("A", new VenueTerms(10, 0.01)), 0);
    InstrumentBook book = d.instrument(BTC);
    int a = d.venue("A");
    int b = d.venue("B");
    int c = d.venue("C");
    var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long tid = Thread.currentThread().getId();
    for (int round = 0; round < 2; round++) { // the first round warms up (class loading, JIT)
      long before = threads.getThreadAllocatedBytes(tid);
      for (int i = 0; i < 200_000; i++) {
        double px = 100 + (i % 2) * 0.01; // moves, but no bid ever reaches another venue's ask
        d.onTopOfBook(book, a, px, 1, px + 0.02, 1, i, i);
        d.onTopOfBook(book, b, px - 0.01, 2, px + 0.01, 2, i, i);
        d.onTopOfBook(book, c, px - 0.02, 3, px + 0.03, 3, i, i);
      }
      long allocated = threads.getThreadAllocatedBytes(tid) - before;
      if (round == 1) {
        assertThat(allocated).as("bytes allocated by 600k updates").isLessThan(10_000);
      }
    }
    assertThat(signals).isEmpty();
  }
}
