package io.tidegate.gateway.regime;

import io.tidegate.intelligence.regime.GeneratedSeries;
import io.tidegate.intelligence.regime.InstrumentProfile;
import io.tidegate.intelligence.regime.Regime;
import io.tidegate.intelligence.regime.RegimeBook;
import io.tidegate.intelligence.regime.RegimeChange;
import io.tidegate.intelligence.regime.RegimeSeriesGenerator;
import io.tidegate.intelligence.regime.WireDecimal;
import io.tidegate.proto.market.v1.Decimal;
import io.tidegate.proto.market.v1.QuoteTick;
import io.tidegate.proto.v1.Message;
import java.util.ArrayList;
import java.util.List;

/**
 * A generated quote series of one instrument as the gateway sees it: QuoteTick publishes on
 * {@code data.quotes.<VENUE>.<SYMBOL>} (prices and sizes at scale 8), and the regime changes a detector
 * fed the very same values offline makes, which is what the gateway must publish.
 */
record QuoteSeries(String venue, String symbol, List<Message> messages, List<RegimeChange> expectedChanges) {

    private static final int SCALE = 8;

    static QuoteSeries generate(String venue, String symbol, long seed, InstrumentProfile profile, int quotes) {
        GeneratedSeries s = RegimeSeriesGenerator.generate(seed, profile, quotes);
        List<RegimeChange> expected = new ArrayList<>();
        RegimeBook offline = RegimeBook.ofDetectors(1, expected::add);
        List<Message> messages = new ArrayList<>(quotes);
        String topic = "data.quotes." + venue + "." + symbol;
        for (int i = 0; i < s.size(); i++) {
            QuoteTick q = QuoteTick.newBuilder()
                    .setInstrumentId(symbol + "." + venue)
                    .setBidPrice(decimal(s.bid()[i])).setAskPrice(decimal(s.ask()[i]))
                    .setBidSize(decimal(s.bidSize()[i])).setAskSize(decimal(s.askSize()[i]))
                    .setTsEvent(s.ts()[i]).setTsInit(s.ts()[i])
                    .build();
            messages.add(Message.newBuilder().setId(symbol + "-" + i).setTopic(topic).setPayload(q.toByteString()).build());
            offline.instrument(venue, symbol).onQuote(q.getTsEvent(), value(q.getBidPrice()), value(q.getAskPrice()),
                    value(q.getBidSize()), value(q.getAskSize()));
        }
        return new QuoteSeries(venue, symbol, messages, expected);
    }

    List<Regime> expectedRegimes() {
        return expectedChanges.stream().map(RegimeChange::regime).toList();
    }

    private static Decimal decimal(double v) {
        return Decimal.newBuilder().setUnits(Math.round(v * 1e8)).setScale(SCALE).build();
    }

    private static double value(Decimal d) {
        return WireDecimal.toDouble(d.getUnits(), d.getScale());
    }
}
