package io.tidegate.gateway.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TraceParentTest {

    @Test
    void readsTheSampledBitOfTheFlags() {
        assertThat(TraceParent.isSampled("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")).isTrue();
        assertThat(TraceParent.isSampled("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-03")).isTrue();
        assertThat(TraceParent.isSampled("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00")).isFalse();
        assertThat(TraceParent.isSampled("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-0z")).isFalse();
        assertThat(TraceParent.isSampled("")).isFalse();
        assertThat(TraceParent.isSampled("garbage")).isFalse();
    }
}
