package io.tidegate.gateway.instruments;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class InstrumentRegistrySymbolTest {

    @Test
    void aTopicSymbolWithoutTheVenuesSeparatorsNamesTheListing() {
        assertThat(InstrumentRegistry.sameSymbol("BTC-USDT", "BTCUSDT")).isTrue();
        assertThat(InstrumentRegistry.sameSymbol("BTC-USDT-SWAP", "BTCUSDTSWAP")).isTrue();
        assertThat(InstrumentRegistry.sameSymbol("btcusdt", "BTCUSDT")).isTrue();
        assertThat(InstrumentRegistry.sameSymbol("BTC-USD", "BTC-USD")).isTrue();
    }

    @Test
    void anotherSymbolOrAPrefixDoesNotNameIt() {
        assertThat(InstrumentRegistry.sameSymbol("BTC-USDT", "BTCUSD")).isFalse();
        assertThat(InstrumentRegistry.sameSymbol("BTC-USDT-SWAP", "BTCUSDT")).isFalse();
        assertThat(InstrumentRegistry.sameSymbol("ETH-USDT", "BTCUSDT")).isFalse();
        assertThat(InstrumentRegistry.sameSymbol("", "BTCUSDT")).isFalse();
    }
}
