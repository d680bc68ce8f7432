package io.tidegate.intelligence.instrument;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Fixtures written from the venues' documented id formats. */
class SymbolResolverTest {
  private final SymbolResolver resolver = SymbolResolver.withVenueRules();

  @ParameterizedTest(name = "{0} {1} {2} -> {3}")
  @CsvSource({
    "binance, spot, BTCUSDT, BTC/USDT",
    "binance, linear, BTCUSDT, BTC/USDT:USDT",
    "binance, linear, BTCUSDT_250328, BTC/USDT:USDT-250328",
    "binance, inverse, BTCUSD_250328, BTC/USD:BTC-250328",
    "binance, inverse, BTCUSD_PERP, BTC/USD:BTC",
    "okx, linear, BTC-USDT-SWAP, BTC/USDT:USDT",
    "okx, inverse, BTC-USD-SWAP, BTC/USD:BTC",
    "okx, option, BTC-USD-250328-100000-C, BTC/USD:BTC-250328-100000-C",
    "deribit, option, BTC-28MAR25-100000-C, BTC/USD:BTC-250328-100000-C",
    "deribit, inverse, BTC-PERPETUAL, BTC/USD:BTC",
    "deribit, inverse, BTC-28MAR25, BTC/USD:BTC-250328",
    "deribit, linear, SOL_USDC-PERPETUAL, SOL/USDC:USDC",
    "deribit, option, XRP_USDC-28MAR25-2d5-P, XRP/USDC:USDC-250328-2.5-P",
    "bybit, option, BTC-28MAR25-100000-P-USDT, BTC/USDT:USDT-250328-100000-P",
    "bybit, inverse, BTCUSDH25, BTC/USD:BTC-250328",
    "kraken, spot, XXBTZUSD, BTC/USD",
    "kraken, spot, XDGUSD, DOGE/USD",
    "kraken, spot, USDTZUSD, USDT/USD",
    "coinbase, spot, BTC-USD, BTC/USD",
    "bitmex, inverse, XBTUSD, BTC/USD:BTC",
    "bitmex, inverse, XBTH25, BTC/USD:BTC-250328",
    "bitmex, quanto, ETHUSD, ETH/USD:BTC",
    "bitfinex, spot, tBTCUST, BTC/USDT",
    "bitfinex, spot, tBTCUSD, BTC/USD",
    "bitfinex, linear, tBTCF0:USTF0, BTC/USDT:USDT",
    "kucoin, spot, BTC-USDT, BTC/USDT",
    "kucoin, linear, XBTUSDTM, BTC/USDT:USDT",
    "gate, linear, BTC_USDT_20250328, BTC/USDT:USDT-250328",
    "unseenvenue, spot, ETH_USDT, ETH/USDT",
    "unseenvenue, linear, eth-usd-perp, ETH/USD:USD",
    "unseenvenue, spot, usd-btc, BTC/USD",
    "unseenvenue, linear, ETHUSDTPERP, ETH/USDT:USDT",
    "unseenvenue, spot, USDT-PAX, USDT/PAX",
    "okx, spot, PERP-USDT, PERP/USDT",
    "kraken, spot, ANTUSD, ANT/USD",
    "kraken, spot, XTZEUR, XTZ/EUR",
    "binance, spot, ETHTUSD, ETH/TUSD",
  })
  void resolvesDocumentedIds(String venue, String segment, String id, String symbol) {
    assertThat(resolver.resolve(venue, segment, id)).get().extracting(r -> r.key().toString()).isEqualTo(symbol);
  }

  @Test
  void sameIdInOtherSegmentIsAnotherInstrument() {
    Resolution spot = resolver.resolve("binance", "spot", "BTCUSDT").orElseThrow();
    Resolution perp = resolver.resolve("binance", "linear", "BTCUSDT").orElseThrow();
    assertThat(spot.key()).isNotEqualTo(perp.key());
  }

  @Test
  void venueSpellingsOfOneOptionMeetInOneKey() {
    assertThat(resolver.resolve("deribit", "option", "BTC-24JUN22-25000-C").orElseThrow().key())
        .isEqualTo(resolver.resolve("okx", "option", "BTC-USD-220624-25000-C").orElseThrow().key());
  }

  @Test
  void heuristicsLowerConfidence() {
    double separated = resolver.resolve("coinbase", "spot", "BTC-USD").orElseThrow().confidence();
    double reversed = resolver.resolve("unseenvenue", "spot", "USD-BTC").orElseThrow().confidence();
    assertThat(separated).isEqualTo(1.0);
    assertThat(reversed).isLessThan(separated);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "BTC", "???", "BTC-USD-250399-1-C", "BTC-28MAR25-100000", "ÄÖÜ-USD",
      "a-very-long-id-that-goes-on-and-on-and-on-far-beyond-any-venue-native-id-length", "USD", "--", "PERP"})
  void junkIsEmpty(String id) {
    assertThat(resolver.resolve("unseenvenue", "spot", id)).isEmpty();
    assertThat(resolver.resolve("deribit", "option", id)).isEmpty();
  }

  @Test
  void missingOrUnknownInputsAreEmpty() {
    assertThat(resolver.resolve(null, "spot", "BTC-USD")).isPresent();
    assertThat(resolver.resolve("coinbase", "margin", "BTC-USD")).isEmpty();
    assertThat(resolver.resolve("coinbase", null, "BTC-USD")).isEmpty();
    assertThat(resolver.resolve("coinbase", "spot", null)).isEmpty();
    assertThat(resolver.resolve("unseenvenue", "spot", "BTC-USD-SWAP")).isEmpty();
  }

  @Test
  void genericRulesDoNotKnowVenueCodes() {
    assertThat(SymbolResolver.genericOnly().resolve("bitfinex", "spot", "tBTCUST").map(r -> r.key().toString()))
        .isNotEqualTo(resolver.resolve("bitfinex", "spot", "tBTCUST").map(r -> r.key().toString()));
  }
}
