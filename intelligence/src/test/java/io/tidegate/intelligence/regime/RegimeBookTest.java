package io.tidegate.intelligence.regime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RegimeBookTest {

    @Test
    void publishesEachChangeOnceAndAnswersTheCurrentRegime() {
        List<RegimeChange> changes = new ArrayList<>();
        RegimeBook book = RegimeBook.ofDetectors(10, changes::add);
        InstrumentRegime btc = book.instrument("BINANCE", "BTCUSDT");
        ConstructedSeries s = new ConstructedSeries(InstrumentProfile.BTC_LIKE, 21).normal(3_000).segment(600, 0, 1, 8, 1, 1);
        int reported = 0;
        for (int i = 0; i < s.size(); i++) {
            if (s.feedOne(new ClassifierView(btc), i)) {
                reported++;
            }
        }
        assertThat(changes).hasSize(reported).isNotEmpty();
        RegimeChange last = changes.get(changes.size() - 1);
        assertThat(last.regime()).isEqualTo(Regime.ILLIQUID);
        assertThat(last.venue()).isEqualTo("BINANCE");
        // the smoothed spread the change reports lags the per-quote evidence that switched it, but it has left normal
        assertThat(last.features().spreadRatio()).isGreaterThan(1.5);
        assertThat(last.confidence()).isGreaterThanOrEqualTo(RegimeSettings.defaults().enterProbability());
        assertThat(last.sinceTsEvent()).isGreaterThan(s.ts(2_999));
        assertThat(book.regime("BINANCE", "BTCUSDT")).contains(last);
        assertThat(book.instrument("BINANCE", "BTCUSDT")).isSameAs(btc);
        assertThat(book.regime("BINANCE", "ETHUSDT")).isEmpty();
    }

    @Test
    void refusesMoreInstrumentsThanConfiguredSayingWhatToRaise() {
        RegimeBook book = RegimeBook.ofDetectors(1, c -> { });
        book.instrument("OKX", "BTC-USDT");
        assertThatThrownBy(() -> book.instrument("OKX", "ETH-USDT"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("1 instruments").hasMessageContaining("OKX.ETH-USDT");
        assertThat(book.size()).isEqualTo(1);
    }

    /** Lets the series builder feed a handle as it feeds a classifier. */
    private record ClassifierView(InstrumentRegime handle) implements RegimeClassifier {
        @Override
        public boolean onQuote(long ts, double bid, double ask, double bidSize, double askSize) {
            return handle.onQuote(ts, bid, ask, bidSize, askSize);
        }

        @Override
        public boolean onTrade(long ts, double price, double size) {
            return handle.onTrade(ts, price, size);
        }

        @Override
        public Regime regime() {
            RegimeChange c = handle.current();
            return c == null ? Regime.RANGING : c.regime();
        }

        @Override
        public double confidence() {
            return 0;
        }

        @Override
        public RegimeFeatures features() {
            return null;
        }
    }
}
