package io.tidegate.intelligence.instrument;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class InstrumentCatalogTest {

  private static Listing kraken(String id, String key, String nativeBase, String nativeQuote, String... aliases) {
    return new Listing("kraken", "spot", id, InstrumentKey.parse(key).orElseThrow(), List.of(aliases), nativeBase,
        nativeQuote);
  }

  @Test
  void listingFactsWinOverWhatTheRulesWouldRead() {
    InstrumentCatalog catalog = new InstrumentCatalog(SymbolResolver.withVenueRules(), 10);
    // the rules read BTCUSDT on a spot segment as BTC/USDT; the listing says otherwise and wins
    catalog.add(new Listing("ACME", "spot", "BTCUSDT", InstrumentKey.spot("BTC", "USD"), List.of(), "", ""));

    Identification id = catalog.identify("acme", "SPOT", "btcusdt").orElseThrow();
    assertThat(id.key()).isEqualTo(InstrumentKey.spot("BTC", "USD"));
    assertThat(id.source()).isEqualTo(Identification.Source.LISTING);
    assertThat(id.confidence()).isEqualTo(1.0);
  }

  @Test
  void unlistedIdsAreReadByRulesAndSaySoWhichRules() {
    InstrumentCatalog catalog = new InstrumentCatalog(SymbolResolver.withVenueRules(), 10);

    assertThat(catalog.identify("OKX", "linear", "BTC-USDT-SWAP").orElseThrow())
        .extracting(Identification::key, Identification::source)
        .containsExactly(InstrumentKey.perpetual("BTC", "USDT", "USDT"), Identification.Source.GENERIC_RULE);
    assertThat(catalog.identify("KRAKEN", "spot", "XXBTZUSD").orElseThrow().source())
        .isEqualTo(Identification.Source.VENUE_RULE);
    assertThat(catalog.identify("OKX", "spot", "%%%")).isEmpty();
  }

  @Test
  void learnsAliasesFromListingFieldsWithTheirEvidence() {
    InstrumentCatalog catalog = new InstrumentCatalog(SymbolResolver.withVenueRules(), 10);
    catalog.add(kraken("XXBTZUSD", "BTC/USD", "XXBT", "ZUSD", "XBTUSD", "XBT/USD"));
    catalog.add(kraken("XLUNAZUSD", "LUNC/USD", "", "", "LUNA/USD"));

    assertThat(catalog.learnedAliases()).extracting(LearnedAlias::code, LearnedAlias::currency)
        .contains(org.assertj.core.groups.Tuple.tuple("XXBT", "BTC"), org.assertj.core.groups.Tuple.tuple("XBT", "BTC"),
            org.assertj.core.groups.Tuple.tuple("LUNA", "LUNC"));
    LearnedAlias xbt = catalog.learnedAliases().stream().filter(a -> a.code().equals("XBT")).findFirst().orElseThrow();
    assertThat(xbt.confidence()).isEqualTo(0.95);
    assertThat(xbt.evidence()).contains("XXBTZUSD").contains("XBT/USD");

    // a spelling a listing gave answers as an alias; an unlisted id uses the learned code
    assertThat(catalog.identify("KRAKEN", "spot", "XBT/USD").orElseThrow())
        .extracting(Identification::key, Identification::source)
        .containsExactly(InstrumentKey.spot("BTC", "USD"), Identification.Source.ALIAS);
    Identification luna = catalog.identify("KRAKEN", "spot", "LUNA/EUR").orElseThrow();
    assertThat(luna.key()).isEqualTo(InstrumentKey.spot("LUNC", "EUR"));
    assertThat(luna.source()).isEqualTo(Identification.Source.ALIAS);
    assertThat(luna.evidence()).contains("XLUNAZUSD");
  }

  @Test
  void equivalentsListEveryVenueOfAKeyAndFollowUpdates() {
    InstrumentCatalog catalog = new InstrumentCatalog(SymbolResolver.withVenueRules(), 10);
    InstrumentKey btcUsdt = InstrumentKey.spot("BTC", "USDT");
    catalog.add(new Listing("OKX", "spot", "BTC-USDT", btcUsdt, List.of(), "", ""));
    catalog.add(new Listing("BINANCE", "spot", "BTCUSDT", btcUsdt, List.of(), "", ""));
    catalog.add(new Listing("BINANCE", "linear", "BTCUSDT", InstrumentKey.perpetual("BTC", "USDT", "USDT"),
        List.of(), "", ""));

    assertThat(catalog.equivalents(btcUsdt)).extracting(Listing::venue, Listing::nativeId)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("BINANCE", "BTCUSDT"),
            org.assertj.core.groups.Tuple.tuple("OKX", "BTC-USDT"));

    assertThat(catalog.add(new Listing("OKX", "spot", "BTC-USDT", InstrumentKey.spot("BTC", "USDC"), List.of(), "", "")))
        .isEqualTo(InstrumentCatalog.Outcome.UPDATED);
    assertThat(catalog.equivalents(btcUsdt)).extracting(Listing::venue).containsExactly("BINANCE");
  }

  @Test
  void theBoundRefusesNewListingsButNotUpdates() {
    InstrumentCatalog catalog = new InstrumentCatalog(SymbolResolver.withVenueRules(), 2);
    catalog.add(new Listing("OKX", "spot", "BTC-USDT", InstrumentKey.spot("BTC", "USDT"), List.of(), "", ""));
    catalog.add(new Listing("OKX", "spot", "ETH-USDT", InstrumentKey.spot("ETH", "USDT"), List.of(), "", ""));

    assertThat(catalog.add(new Listing("OKX", "spot", "SOL-USDT", InstrumentKey.spot("SOL", "USDT"), List.of(), "", "")))
        .isEqualTo(InstrumentCatalog.Outcome.FULL);
    assertThat(catalog.add(new Listing("OKX", "spot", "ETH-USDT", InstrumentKey.spot("ETH", "USDC"), List.of(), "", "")))
        .isEqualTo(InstrumentCatalog.Outcome.UPDATED);
    assertThat(catalog.listingCount()).isEqualTo(2);
    // the refused listing is still read by the rules
    assertThat(catalog.identify("OKX", "spot", "SOL-USDT").orElseThrow().source())
        .isEqualTo(Identification.Source.GENERIC_RULE);
  }
}
