package io.tidegate.intelligence.regime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class VenueSampleReaderTest {
    private static final Path SAMPLES = Path.of("../sdk-examples/python/samples");

    @Test
    void readsQuotesAndTradesOfEveryVenueAndSkipsAcksAndMalformedLines() throws Exception {
        for (String venue : new String[] {"binance", "bybit", "coinbase", "okx"}) {
            Path file = SAMPLES.resolve(venue + ".jsonl");
            VenueSampleReader r = VenueSampleReader.read(file);
            long lines = Files.readAllLines(file).size();
            assertThat(r.events()).as(venue).isNotEmpty();
            assertThat(r.events().size() + r.skipped()).as(venue).isLessThanOrEqualTo((int) lines + 8);
            assertThat(r.skipped()).as(venue).isPositive();
            assertThat(r.events()).as(venue).allSatisfy(e -> {
                assertThat(e.venue()).isEqualTo(venue.toUpperCase());
                assertThat(e.tsEvent()).isGreaterThan(1_700_000_000_000_000_000L);
                if (e.quote()) {
                    assertThat(e.ask()).isGreaterThanOrEqualTo(e.bid());
                }
            });
            assertThat(r.events().stream().filter(VenueSampleReader.Event::quote).count()).as(venue).isGreaterThan(5);
        }
    }
}
