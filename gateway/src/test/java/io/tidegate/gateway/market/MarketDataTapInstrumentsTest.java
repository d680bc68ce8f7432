package io.tidegate.gateway.market;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tidegate.proto.market.v1.InstrumentDefinition;
import io.tidegate.proto.market.v1.QuoteTick;
import io.tidegate.proto.market.v1.TradeTick;
import io.tidegate.proto.v1.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The tap's instrument listings: {@code data.instruments.<VENUE>} decoded and handed on. */
class MarketDataTapInstrumentsTest {

    private final List<String> seen = new ArrayList<>();

    private final MarketDataListener recorder = new MarketDataListener() {
        @Override
        public void onQuote(String venue, String symbol, QuoteTick quote, long receivedNanos) {
        }

        @Override
        public void onTrade(String venue, String symbol, TradeTick trade, long receivedNanos) {
        }

        @Override
        public void onInstrument(String venue, InstrumentDefinition definition, long receivedNanos) {
            seen.add(venue + " " + definition.getRawSymbol() + " " + definition.getCanonicalKey() + " @" + receivedNanos);
        }
    };

    private static Message message(String topic, ByteString payload) {
        return Message.newBuilder().setTopic(topic).setPayload(payload).build();
    }

    @Test
    void listingsOnTheVenuesInstrumentTopicReachListenersAndOtherShapesDoNot() {
        MarketDataTap tap = new MarketDataTap(Set.of(recorder));
        ByteString btc = InstrumentDefinition.newBuilder().setRawSymbol("BTC-USDT").setCanonicalKey("BTC/USDT")
                .build().toByteString();
        tap.accepted(message("data.instruments.OKX", btc), 7);
        tap.accepted(message("data.instruments.OKX.BTC-USDT", btc), 8);
        tap.accepted(message("data.instruments.", btc), 9);
        tap.accepted(message("data.instruments.OKX", ByteString.copyFrom(new byte[] {(byte) 0xff, 0x01})), 10);

        assertThat(seen).containsExactly("OKX BTC-USDT BTC/USDT @7");
        assertThat(tap.undecodable()).isEqualTo(1);
    }
}
