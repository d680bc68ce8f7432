package io.tidegate.gateway.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.config.InvalidConfigException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResilienceConfigTest {

    @Test
    void defaults() {
        GatewayConfig.Resilience r = GatewayConfig.defaultsWith().resilience();
        assertThat(r.enabled()).isTrue();
        assertThat(r.callTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(r.retry().maxAttempts()).isEqualTo(3);
        assertThat(r.breaker().failureRateThreshold()).isEqualTo(50);
        assertThat(r.spool().fsync()).isEqualTo(GatewayConfig.FsyncPolicy.ALWAYS);
        assertThat(r.spool().maxBytes()).isEqualTo(1L << 30);
    }

    @Test
    void environmentAndFlagsReachTheKeys() {
        GatewayConfig.Resilience r = io.tidegate.gateway.config.ConfigLoader.load(null,
                Map.of("TIDEGATE_RESILIENCE_SPOOL_FSYNC", "interval"), List.of("resilience.retry.jitter=0")).resilience();
        assertThat(r.spool().fsync()).isEqualTo(GatewayConfig.FsyncPolicy.INTERVAL);
        assertThat(r.retry().jitter()).isZero();
    }

    @Test
    void badValuesNameTheKeyAndRange() {
        assertThatThrownBy(() -> GatewayConfig.defaultsWith("resilience.spool.fsync=sometimes"))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("resilience.spool.fsync")
                .hasMessageContaining("always, interval, never");
        assertThatThrownBy(() -> GatewayConfig.defaultsWith("resilience.breaker.failure-rate-threshold=101"))
                .hasMessageContaining("resilience.breaker.failure-rate-threshold must be from 1 to 100");
        assertThatThrownBy(() -> GatewayConfig.defaultsWith("resilience.retry.jitter=2"))
                .hasMessageContaining("resilience.retry.jitter must be from 0.0 to 1.0");
        assertThatThrownBy(() -> GatewayConfig.defaultsWith("resilience.enabled=maybe"))
                .hasMessageContaining("resilience.enabled must be true or false");
        assertThatThrownBy(() -> GatewayConfig.defaultsWith("resilience.spool.max-bytes=1048576",
                "resilience.spool.segment-bytes=2097152"))
                .hasMessageContaining("resilience.spool.segment-bytes (2097152) must not exceed resilience.spool.max-bytes");
        assertThatThrownBy(() -> GatewayConfig.defaultsWith("resilience.spool.dir= "))
                .hasMessageContaining("resilience.spool.dir is empty");
    }
}
