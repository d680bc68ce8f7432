package io.tidegate.intelligence.instrument;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.LocalDate;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class InstrumentKeyTest {

  @ParameterizedTest
  @ValueSource(strings = {"BTC/USDT", "BTC/USDT:USDT", "BTC/USD:BTC-250328", "BTC/USD:BTC-250328-100000-C", "XRP/USDC:USDC-250328-2.5-P"})
  void unifiedFormRoundTripsForEveryKind(String symbol) {
    assertThat(InstrumentKey.parse(symbol)).get().hasToString(symbol);
  }

  @Test
  void parseReadsEachField() {
    InstrumentKey option = InstrumentKey.parse("BTC/USD:BTC-250328-100000-C").orElseThrow();
    assertThat(option).isEqualTo(InstrumentKey.option(
        "BTC", "USD", "BTC", LocalDate.of(2025, 3, 28), new BigDecimal("100000"), InstrumentKey.Right.CALL));
    assertThat(InstrumentKey.parse("BTC/USD:BTC-250328").orElseThrow().kind()).isEqualTo(InstrumentKey.Kind.FUTURE);
    assertThat(InstrumentKey.parse("BTC/USDT:USDT").orElseThrow().kind()).isEqualTo(InstrumentKey.Kind.PERPETUAL);
    assertThat(InstrumentKey.parse("BTC/USDT").orElseThrow().settle()).isEmpty();
  }

  @Test
  void equalStrikesWrittenDifferentlyGiveEqualKeys() {
    LocalDate day = LocalDate.of(2025, 3, 28);
    assertThat(InstrumentKey.option("BTC", "USD", "BTC", day, new BigDecimal("1E+5"), InstrumentKey.Right.PUT))
        .isEqualTo(InstrumentKey.option("BTC", "USD", "BTC", day, new BigDecimal("100000.00"), InstrumentKey.Right.PUT));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "BTC", "BTC/USD:BTC-251399", "BTC/USD:BTC-250328-100000", "/USD", "BTC/USD:BTC-250328-1-X"})
  void parseOfNonSymbolsIsEmpty(String text) {
    assertThat(InstrumentKey.parse(text)).isEmpty();
  }

  @Test
  void optionWithoutStrikeIsRejected() {
    assertThatThrownBy(() -> new InstrumentKey("BTC", "USD", "BTC", InstrumentKey.Kind.OPTION, LocalDate.of(2025, 3, 28), null, null))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
