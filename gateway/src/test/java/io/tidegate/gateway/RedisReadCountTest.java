package io.tidegate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.gateway.backend.redis.RedisBackend;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.testkit.RedisServerExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The tuning controller's handle on the Redis read count reaches a backend that starts after it moved. */
class RedisReadCountTest {

    @RegisterExtension
    static final RedisServerExtension REDIS = new RedisServerExtension();

    @Test
    void aValueSetBeforeTheBackendExistsAppliesWhenItAttachesAndLaterOnesFollow() {
        GatewayConfig config = GatewayConfig.defaultsWith("backend.type=redis", "backend.redis.uri=" + REDIS.uri(),
                "backend.redis.read-count=4096");
        RedisReadCount readCount = new RedisReadCount(config);
        assertThat(readCount.get()).isEqualTo(4096);
        readCount.set(64); // the backend may still be connecting in the background

        try (RedisBackend backend = readCount.attach(BackendStackModule.redis(config))) {
            assertThat(backend.readCount()).isEqualTo(64);
            readCount.set(2048);
            assertThat(backend.readCount()).isEqualTo(2048);
            assertThat(readCount.get()).isEqualTo(2048);
        }
    }
}
