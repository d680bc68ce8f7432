package io.tidegate.gateway.server.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidegate.gateway.config.ConfigLoader;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.config.InvalidConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClientLimitsConfigTest {

    @TempDir
    Path dir;

    private GatewayConfig.ClientLimits fromFile(String hocon) throws Exception {
        Path file = dir.resolve("tidegate.conf");
        Files.writeString(file, hocon);
        return ConfigLoader.load(file, Map.of(), List.of()).resilience().clientLimits();
    }

    @Test
    void defaultsAreUnlimitedRateAnd50000InFlight() {
        GatewayConfig.ClientLimits limits = GatewayConfig.defaultsWith().resilience().clientLimits();
        assertThat(limits.defaults().publishRate()).isZero();
        assertThat(limits.defaults().maxInFlight()).isEqualTo(50_000);
        assertThat(limits.clients()).isEmpty();
        assertThat(limits.forClient("anyone")).isSameAs(limits.defaults());
    }

    @Test
    void overridesPerClientNameFallBackToTheDefaultsForKeysTheyLeaveOut() throws Exception {
        GatewayConfig.ClientLimits limits = fromFile("""
                tidegate.resilience.client-limits {
                  default { publish-rate = 1000, publish-burst = 100, max-in-flight = 500 }
                  clients {
                    "market.feed" { publish-rate = 20000 }
                    "batch-loader" { max-in-flight = 10 }
                  }
                }
                """);
        assertThat(limits.forClient("nobody")).isEqualTo(new GatewayConfig.ClientLimit(1000, 100, 500,
                "resilience.client-limits.default"));
        var feed = limits.forClient("market.feed");
        assertThat(feed.publishRate()).isEqualTo(20000);
        assertThat(feed.publishBurst()).as("one second's worth of its own rate").isEqualTo(20000);
        assertThat(feed.maxInFlight()).isEqualTo(500);
        assertThat(feed.keyPrefix()).isEqualTo("resilience.client-limits.clients.\"market.feed\"");
        var loader = limits.forClient("batch-loader");
        assertThat(loader.publishRate()).isEqualTo(1000);
        assertThat(loader.publishBurst()).isEqualTo(100);
        assertThat(loader.maxInFlight()).isEqualTo(10);
    }

    @Test
    void flagsReachTheDefaultsAndTheOverrides() {
        GatewayConfig.ClientLimits limits = ConfigLoader.load(null, Map.of("TIDEGATE_RESILIENCE_CLIENT_LIMITS_DEFAULT_PUBLISH_RATE", "50"),
                List.of("resilience.client-limits.clients.ingest.max-in-flight=7")).resilience().clientLimits();
        assertThat(limits.defaults().publishRate()).isEqualTo(50);
        assertThat(limits.defaults().publishBurst()).isEqualTo(50);
        assertThat(limits.forClient("ingest").maxInFlight()).isEqualTo(7);
        assertThat(limits.forClient("ingest").publishRate()).isEqualTo(50);
    }

    @Test
    void badValuesNameTheKeyAndRange() {
        assertThatThrownBy(() -> GatewayConfig.defaultsWith("resilience.client-limits.default.publish-rate=-1"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("resilience.client-limits.default.publish-rate must be from 0 to 10000000, got -1");
        assertThatThrownBy(() -> GatewayConfig.defaultsWith("resilience.client-limits.default.max-in-flight=0"))
                .hasMessageContaining("resilience.client-limits.default.max-in-flight must be from 1 to 10000000, got 0");
        assertThatThrownBy(() -> GatewayConfig.defaultsWith("resilience.client-limits.clients.ingest.publish-burst=lots"))
                .hasMessageContaining("resilience.client-limits.clients.ingest.publish-burst must be a whole number from 0 to 10000000");
        assertThatThrownBy(() -> GatewayConfig.defaultsWith("resilience.client-limits.clients.ingest.publish-rate=1",
                "resilience.client-limits.clients.ingest.publish-burst=10000"))
                .hasMessageContaining("resilience.client-limits.clients.ingest.publish-burst (10000) must be at most an hour's worth");
    }

    @Test
    void unknownKeysAreRefused() throws Exception {
        assertThatThrownBy(() -> GatewayConfig.defaultsWith("resilience.client-limits.clients.ingest.publish-rat=5"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("unknown config key \"resilience.client-limits.clients.ingest.publish-rat\"")
                .hasMessageContaining("publish-rate, publish-burst, max-in-flight");
        assertThatThrownBy(() -> GatewayConfig.defaultsWith("resilience.client-limits.default.burst=5"))
                .hasMessageContaining("unknown config key \"resilience.client-limits.default.burst\"");
        assertThatThrownBy(() -> fromFile("tidegate.resilience.client-limits.clients { ingest = 5 }"))
                .hasMessageContaining("resilience.client-limits.clients.ingest must be an object");
    }

    @Test
    void limitersNeverWaitAndGiveBackInFlightPermits() {
        var limits = new ClientLimits(GatewayConfig.defaultsWith(
                "resilience.client-limits.default.publish-rate=3",
                "resilience.client-limits.default.max-in-flight=2").resilience().clientLimits());
        StreamLimiter s = limits.forStream("x");
        assertThat(s.tryAcquire()).isNull();
        assertThat(s.tryAcquire()).isNull();
        assertThat(s.tryAcquire()).contains("already has 2 publishes awaiting the backend");
        s.release();
        s.release();
        assertThat(s.tryAcquire()).isNull();
        s.release();
        assertThat(s.tryAcquire()).contains("is limited to 3 msg/s");
        // a refusal by rate must not keep an in-flight permit
        assertThat(s.tryAcquire()).contains("is limited to 3 msg/s");
        assertThat(limits.forStream("y").tryAcquire()).as("another stream has its own limiter").isNull();
    }
}
