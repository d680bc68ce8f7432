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
        return of(venue, symbol, s.ts(), s.bid(), s.ask(), s.bidSize(), s.askSize());
    }

    /**
     * A scripted series that flips fast: after 600 quotes of a steady book, the spread jumps 50-fold
     * and back every 40 quotes, so the detector switches between ILLIQUID and RANGING about every 40
     * quotes (many changes from few quotes).
     */
    static QuoteSeries flipping(String venue, String symbol, int quotes) {
        long[] ts = new long[quotes];
        double[] bid = new double[quotes];
        double[] ask = new double[quotes];
        double[] size = new double[quotes];
        for (int i = 0; i < quotes; i++) {
            ts[i] = 1_732_530_600_000_000_000L + i * 20_000_000L;
            double mid = 100 + 0.001 * Math.sin(i);
            double half = i >= 600 && (i / 40) % 2 == 0 ? 0.5 : 0.01;
            bid[i] = mid - half;
            ask[i] = mid + half;
            size[i] = 1;
        }
        return of(venue, symbol, ts, bid, ask, size, size);
    }

    private static QuoteSeries of(String venue, String symbol, long[] ts, double[] bid, double[] ask, double[] bidSize,
                                  double[] askSize) {
        List<RegimeChange> expected = new ArrayList<>();
        RegimeBook offline = RegimeBook.ofDetectors(1, expected::add);
        List<Message> messages = new ArrayList<>(ts.length);
        String topic = "data.quotes." + venue + "." + symbol;
        for (int i = 0; i < ts.length; i++) {
            QuoteTick q = QuoteTick.newBuilder()
                    .setInstrumentId(symbol + "." + venue)
                    .setBidPrice(decimal(bid[i])).setAskPrice(decimal(ask[i]))
                    .setBidSize(decimal(bidSize[i])).setAskSize(decimal(askSize[i]))
                    .setTsEvent(ts[i]).setTsInit(ts[i])
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
