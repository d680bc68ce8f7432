package io.tidegate.bench;

import com.google.protobuf.ByteString;
import io.tidegate.intelligence.regime.GeneratedSeries;
import io.tidegate.intelligence.regime.InstrumentProfile;
import io.tidegate.intelligence.regime.RegimeSeriesGenerator;
import io.tidegate.proto.market.v1.Decimal;
import io.tidegate.proto.market.v1.QuoteTick;

/**
 * Encoded QuoteTick payloads for {@code LoadTool --quotes}: a BTC-like series from the
 * {@link RegimeSeriesGenerator} (seed 1), so the gateway's regime detector does its real work, regime
 * changes included. Made once before the load starts; stateless.
 */
final class BenchQuotes {

    private BenchQuotes() {
    }

    static ByteString[] generate(int count) {
        GeneratedSeries s = RegimeSeriesGenerator.generate(1, InstrumentProfile.BTC_LIKE, count);
        ByteString[] out = new ByteString[count];
        for (int i = 0; i < count; i++) {
            out[i] = QuoteTick.newBuilder()
                    .setInstrumentId("BTCUSDT.BENCH")
                    .setBidPrice(decimal(s.bid()[i])).setAskPrice(decimal(s.ask()[i]))
                    .setBidSize(decimal(s.bidSize()[i])).setAskSize(decimal(s.askSize()[i]))
                    .setTsEvent(s.ts()[i]).setTsInit(s.ts()[i])
                    .build().toByteString();
        }
        return out;
    }

    private static Decimal decimal(double v) {
        return Decimal.newBuilder().setUnits(Math.round(v * 1e8)).setScale(8).build();
    }
}
