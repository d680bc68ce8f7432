package io.tidegate.examples;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The watcher subscribes to the signal topics docs/arbitrage.md gives for each kind of key. */
class ArbitrageWatcherTest {

    @Test
    void signalTopicFollowsTheDocumentedTopicForm() {
        assertThat(ArbitrageWatcher.signalTopic("BTC/USDT")).isEqualTo("signals.arb.BTC.USDT");
        assertThat(ArbitrageWatcher.signalTopic("BTC/USDT:USDT")).isEqualTo("signals.arb.BTC.USDT.USDT");
        assertThat(ArbitrageWatcher.signalTopic("BTC/USD:BTC-250328")).isEqualTo("signals.arb.BTC.USD.BTC-250328");
        assertThat(ArbitrageWatcher.signalTopic("XRP/USDC:USDC-250328-0.5-P"))
                .isEqualTo("signals.arb.XRP.USDC.USDC-250328-0d5-P");
    }
}
