package io.tidegate.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The fixed settings the sweep compares the controller with. */
class TuningSweepFixedSettingsTest {

    @Test
    void maxBatchValuesAloneSweepTheMaxBatch() {
        assertThat(TuningSweep.fixedSettings("64,4096", "", "")).containsExactly(
                new LoadOptions.Variant("max-batch 64", List.of("dispatch.max-batch=64")),
                new LoadOptions.Variant("max-batch 4096", List.of("dispatch.max-batch=4096")));
    }

    @Test
    void withReadCountsEveryPairIsSweptButThePairTheDefaultsAre() {
        // the defaults are max batch 1024 and read count 4096: their run is the sweep's "default"
        assertThat(TuningSweep.fixedSettings("1024,4096", "512,4096", "")).extracting(LoadOptions.Variant::name)
                .containsExactly("mb 1024 rc 512", "mb 4096 rc 512", "mb 4096 rc 4096");
        assertThat(TuningSweep.fixedSettings("4096", "512", "").get(0).settings())
                .containsExactly("dispatch.max-batch=4096", "backend.redis.read-count=512");
    }

    @Test
    void withReadAheadsEveryCombinationIsSweptButTheDefaults() {
        // the default read-ahead is 512
        assertThat(TuningSweep.fixedSettings("1024,4096", "4096", "512,4096")).extracting(LoadOptions.Variant::name)
                .containsExactly("mb 1024 rc 4096 ra 4096", "mb 4096 rc 4096 ra 512", "mb 4096 rc 4096 ra 4096");
        assertThat(TuningSweep.fixedSettings("4096", "", "4096").get(0).settings())
                .containsExactly("dispatch.max-batch=4096", "delivery.read-ahead-messages=4096");
    }
}
