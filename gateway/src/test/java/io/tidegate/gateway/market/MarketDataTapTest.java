package io.tidegate.gateway.market;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tidegate.proto.market.v1.Decimal;
import io.tidegate.proto.market.v1.QuoteTick;
import io.tidegate.proto.market.v1.TradeTick;
import io.tidegate.proto.v1.Message;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MarketDataTapTest {

    private final List<String> seen = new ArrayList<>();

    private final MarketDataListener recorder = new MarketDataListener() {
        @Override
        public void onQuote(String venue, String symbol, QuoteTick quote, long receivedNanos) {
            seen.add("quote " + venue + " " + symbol + " " + quote.getBidPrice().getUnits() + " @" + receivedNanos);
        }

        @Override
        public void onTrade(String venue, String symbol, TradeTick trade, long receivedNanos) {
            seen.add("trade " + venue + " " + symbol + " " + trade.getTradeId());
        }
    };

    private static Message message(String topic, ByteString payload) {
        return Message.newBuilder().setTopic(topic).setPayload(payload).build();
    }

    private static final ByteString QUOTE = QuoteTick.newBuilder()
            .setBidPrice(Decimal.newBuilder().setUnits(42)).build().toByteString();

    @Test
    void quotesAndTradesReachEveryListenerDecodedWithVenueAndSymbol() {
        List<String> second = new ArrayList<>();
        MarketDataListener other = new MarketDataListener() {
            @Override
            public void onQuote(String venue, String symbol, QuoteTick quote, long receivedNanos) {
                second.add(venue);
            }

            @Override
            public void onTrade(String venue, String symbol, TradeTick trade, long receivedNanos) {
            }
        };
        MarketDataTap tap = new MarketDataTap(new LinkedHashSet<>(List.of(recorder, other)));
        tap.accepted(message("data.quotes.BINANCE.BTCUSDT", QUOTE), 5);
        tap.accepted(message("data.trades.OKX.BTC-USDT", TradeTick.newBuilder().setTradeId("t1").build().toByteString()), 6);
        assertThat(seen).containsExactly("quote BINANCE BTCUSDT 42 @5", "trade OKX BTC-USDT t1");
        assertThat(second).containsExactly("BINANCE");
    }

    @Test
    void otherTopicsAndOtherShapesAreNotMarketData() {
        MarketDataTap tap = new MarketDataTap(Set.of(recorder));
        tap.accepted(message("orders.BINANCE.BTCUSDT", QUOTE), 1);
        tap.accepted(message("data.quotes.BINANCE", QUOTE), 1);
        tap.accepted(message("data.quotes.BINANCE.BTC.USDT", QUOTE), 1);
        tap.accepted(message("data.bars.BINANCE.BTCUSDT", QUOTE), 1);
        assertThat(seen).isEmpty();
    }

    @Test
    void anUndecodablePayloadOrAThrowingListenerIsCountedAndTheRestGoOn() {
        MarketDataListener throwing = new MarketDataListener() {
            @Override
            public void onQuote(String venue, String symbol, QuoteTick quote, long receivedNanos) {
                throw new IllegalStateException("boom");
            }

            @Override
            public void onTrade(String venue, String symbol, TradeTick trade, long receivedNanos) {
            }
        };
        MarketDataTap tap = new MarketDataTap(new LinkedHashSet<>(List.of(throwing, recorder)));
        tap.accepted(message("data.quotes.BINANCE.BTCUSDT", ByteString.copyFrom(new byte[] {0x0A, 0x05}) /* a field cut short */), 1);
        tap.accepted(message("data.quotes.BINANCE.BTCUSDT", QUOTE), 2);
        assertThat(tap.undecodable()).isEqualTo(1);
        assertThat(tap.listenerFailures()).isEqualTo(1);
        assertThat(seen).containsExactly("quote BINANCE BTCUSDT 42 @2");
    }
}
