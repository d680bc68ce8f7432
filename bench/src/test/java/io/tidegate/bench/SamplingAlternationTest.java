package io.tidegate.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.bench.SamplingAlternation.Window;
import java.util.List;
import org.junit.jupiter.api.Test;

class SamplingAlternationTest {

    @Test
    void eachSampledWindowIsComparedWithTheMeanOfItsUnsampledNeighbours() {
        // the load drifts from 100 to 140 thousand msg/s; each sampled window is 5 % below its neighbours' mean
        List<Window> windows = List.of(
                new Window(false, 100_000, 2.0),
                new Window(true, 104_500, 2.2),
                new Window(false, 120_000, 2.0),
                new Window(true, 123_500, 2.1),
                new Window(false, 140_000, 2.0));

        assertThat(SamplingAlternation.summary(windows, 0.01))
                .isEqualTo("at 1.0 % over 2 sampled windows: msg/s -5.0 % (standard error 0.0), "
                        + "CPU per message +7.5 % (standard error 2.5)");
    }

    @Test
    void aSampledWindowWithoutTwoUnsampledNeighboursIsNotCounted() {
        List<Window> windows = List.of(new Window(true, 1, 1), new Window(false, 1, 1), new Window(true, 1, 1));

        assertThat(SamplingAlternation.summary(windows, 0.01)).isEqualTo("too few windows yet");
    }
}
