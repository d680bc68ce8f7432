package io.tidegate.gateway.arbitrage;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.intelligence.instrument.SymbolResolver;
import io.tidegate.proto.market.v1.ArbitrageSignal;
import io.tidegate.proto.market.v1.ArbitrageSignalKind;
import io.tidegate.proto.market.v1.Decimal;
import io.tidegate.proto.market.v1.QuoteTick;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.Priority;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ArbitrageFeedTest {

    private final List<Message> published = new CopyOnWriteArrayList<>();
    private ArbitrageFeed feed;

    private ArbitrageFeed feed(String... overrides) {
        String[] all = new String[overrides.length + 2];
        all[0] = "intelligence.arbitrage.enabled=true";
        all[1] = "intelligence.arbitrage.stale-after=1h"; // no sweep during the test
        System.arraycopy(overrides, 0, all, 2, overrides.length);
        GatewayConfig.Arbitrage config = GatewayConfig.defaultsWith(all).arbitrage();
        feed = new ArbitrageFeed(config, SymbolResolver.withVenueRules(), published::add, "gw-1");
        return feed;
    }

    @AfterEach
    void closeFeed() {
        if (feed != null) {
            feed.close();
        }
    }

    private static Decimal dec(long units, int scale) {
        return Decimal.newBuilder().setUnits(units).setScale(scale).build();
    }

    private static QuoteTick quote(long bid, long ask, long size, long tsEvent) {
        return QuoteTick.newBuilder().setBidPrice(dec(bid, 2)).setAskPrice(dec(ask, 2))
                .setBidSize(dec(size, 3)).setAskSize(dec(size, 3)).setTsEvent(tsEvent).build();
    }

    private static ArbitrageSignal payload(Message m) throws Exception {
        return ArbitrageSignal.parseFrom(m.getPayload());
    }

    @Test
    void oneInstrumentUnderTwoVenuesSpellingsOpensAndClosesOnItsTopic() throws Exception {
        ArbitrageFeed f = feed("intelligence.arbitrage.default.taker-fee-bps=0");
        f.onQuote("BINANCE", "BTCUSDT", quote(6500000, 6500010, 1500, 11), 1_000);
        f.onQuote("OKX", "BTC-USDT", quote(6501012, 6501020, 700, 22), 2_000);

        assertThat(published).hasSize(1);
        Message m = published.get(0);
        assertThat(m.getTopic()).isEqualTo("signals.arb.BTC.USDT");
        assertThat(m.getOrderingKey()).isEqualTo("signals.arb.BTC.USDT");
        assertThat(m.getPriority()).isEqualTo(Priority.PRIORITY_CRITICAL);
        assertThat(m.getContentType()).isEqualTo(SignalMessages.CONTENT_TYPE);
        ArbitrageSignal open = payload(m);
        assertThat(open.getKind()).isEqualTo(ArbitrageSignalKind.ARBITRAGE_SIGNAL_KIND_OPEN);
        assertThat(open.getInstrument()).isEqualTo("BTC/USDT");
        assertThat(open.getBuyVenue()).isEqualTo("BINANCE");
        assertThat(open.getBuySymbol()).isEqualTo("BTCUSDT");
        assertThat(open.getBuyPrice()).isEqualTo(dec(650001, 1));
        assertThat(open.getSellVenue()).isEqualTo("OKX");
        assertThat(open.getSellSymbol()).isEqualTo("BTC-USDT");
        assertThat(open.getSellPrice()).isEqualTo(dec(6501012, 2));
        assertThat(open.getSize()).isEqualTo(dec(7, 1));
        assertThat(open.getEdgeBps()).isCloseTo((65010.12 / 65000.10 - 1) * 1e4, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(open.getBuyTsEvent()).isEqualTo(11);
        assertThat(open.getSellTsEvent()).isEqualTo(22);
        assertThat(open.getDurationNanos()).isZero();

        f.onQuote("OKX", "BTC-USDT", quote(6500000, 6500020, 700, 33), 5_000);
        assertThat(published).hasSize(2);
        ArbitrageSignal close = payload(published.get(1));
        assertThat(close.getKind()).isEqualTo(ArbitrageSignalKind.ARBITRAGE_SIGNAL_KIND_CLOSE);
        assertThat(close.getDurationNanos()).isEqualTo(3_000);
        assertThat(close.getOpenedAt()).isEqualTo(open.getOpenedAt());
        assertThat(published.get(1).getId()).isNotEqualTo(m.getId()).startsWith("gw-1-arb-");
    }

    @Test
    void configuredFeesThatEatTheEdgeGiveNoSignal() {
        ArbitrageFeed f = feed("intelligence.arbitrage.venues.BINANCE.taker-fee-bps=1",
                "intelligence.arbitrage.venues.OKX.taker-fee-bps=1");
        f.onQuote("BINANCE", "BTCUSDT", quote(6500000, 6500010, 1500, 1), 1);
        f.onQuote("OKX", "BTC-USDT", quote(6501012, 6501020, 700, 2), 2); // 1.54 bps gross, 2 bps of fees
        assertThat(published).isEmpty();
    }

    @Test
    void spotAndPerpetualOfTheSameIdAreDifferentInstruments() {
        ArbitrageFeed f = feed("intelligence.arbitrage.default.taker-fee-bps=0",
                "intelligence.arbitrage.venues.BYBIT.segment=linear");
        f.onQuote("BINANCE", "BTCUSDT", quote(6500000, 6500010, 1500, 1), 1);
        f.onQuote("BYBIT", "BTCUSDT", quote(6510000, 6510010, 1500, 2), 2);
        assertThat(published).isEmpty();
        assertThat(f.instruments()).isEqualTo(2);
    }

    @Test
    void unreadableSymbolsAndInstrumentsBeyondTheBoundAreIgnored() {
        ArbitrageFeed f = feed("intelligence.arbitrage.max-instruments=1");
        f.onQuote("BINANCE", "???", quote(1, 2, 1, 1), 1);
        f.onQuote("BINANCE", "BTCUSDT", quote(6500000, 6500010, 1500, 1), 1);
        f.onQuote("BINANCE", "ETHUSDT", quote(300000, 300010, 1500, 1), 1);
        assertThat(f.instruments()).isEqualTo(1);
        assertThat(published).isEmpty();
    }

    @Test
    void aVenueResetClosesTheCrossingItWasPartOf() throws Exception {
        ArbitrageFeed f = feed("intelligence.arbitrage.default.taker-fee-bps=0");
        f.onQuote("BINANCE", "BTCUSDT", quote(6500000, 6500010, 1500, 1), 1);
        f.onQuote("OKX", "BTC-USDT", quote(6501012, 6501020, 700, 2), 2);
        f.venueReset("OKX", "BTC-USDT", 10);
        assertThat(published).hasSize(2);
        assertThat(payload(published.get(1)).getKind()).isEqualTo(ArbitrageSignalKind.ARBITRAGE_SIGNAL_KIND_CLOSE);
    }
}
