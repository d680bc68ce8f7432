package io.tidegate.gateway.market;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.tidegate.proto.market.v1.InstrumentDefinition;
import io.tidegate.proto.market.v1.QuoteTick;
import io.tidegate.proto.market.v1.TradeTick;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The tap's instrument listings: {@code data.instruments.<VENUE>} decoded and handed to the queued listeners. */
class MarketDataTapInstrumentsTest {

    private final List<String> seen = new CopyOnWriteArrayList<>();

    private final MarketDataListener recorder = new MarketDataListener() {
        @Override
        public void onQuote(String venue, String symbol, QuoteTick quote, long receivedNanos) {
            seen.add("quote " + venue + " " + symbol);
        }

        @Override
        public void onTrade(String venue, String symbol, TradeTick trade, long receivedNanos) {
        }

        @Override
        public void onInstrument(String venue, InstrumentDefinition definition, long receivedNanos) {
            seen.add(venue + " " + definition.getRawSymbol() + " " + definition.getCanonicalKey() + " @" + receivedNanos);
        }
    };

    @Test
    void listingsOnTheVenuesInstrumentTopicReachQueuedListenersAndOtherShapesDoNot() {
        ByteString btc = InstrumentDefinition.newBuilder().setRawSymbol("BTC-USDT").setCanonicalKey("BTC/USDT")
                .build().toByteString();
        try (MarketDataTap tap = new MarketDataTap(List.of(recorder), 100)) {
            tap.stored("data.instruments.OKX", btc, 7);
            tap.stored("data.instruments.OKX.BTC-USDT", btc, 8);
            tap.stored("data.instruments.", btc, 9);
            tap.stored("data.instruments.OKX", ByteString.copyFrom(new byte[] {(byte) 0xff, 0x01}), 10);
            // a quote after them: once it is seen, everything before it has been handled, in order
            tap.stored("data.quotes.OKX.BTC-USDT", QuoteTick.getDefaultInstance().toByteString(), 11);

            await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains("quote OKX BTC-USDT"));
            assertThat(seen).containsExactly("OKX BTC-USDT BTC/USDT @7", "quote OKX BTC-USDT");
            assertThat(tap.malformed()).isEqualTo(1);
        }
    }
}
