package io.tidegate.gateway.backend.redis;

import io.tidegate.gateway.backend.Backend;
import io.tidegate.gateway.backend.BackendContractTest;
import io.tidegate.gateway.config.GatewayConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole backend contract against a Redis reached only over TLS with a client certificate, as
 * an ACL user holding nothing but {@link RedisAclRules}: every command the backend sends is one
 * that minimal ACL allows, on keys and channels under its prefix.
 */
class SecuredRedisBackendContractTest extends BackendContractTest {

    @TempDir
    static Path dir;
    private static SecuredRedis redis;

    @BeforeAll
    static void startRedis() {
        redis = new SecuredRedis(dir);
    }

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    @Override
    protected Backend newBackend(GatewayConfig config) {
        return ConfiguredRedisBackend.open(config);
    }

    @Override
    protected List<String> baseOverrides() {
        List<String> overrides = new ArrayList<>(super.baseOverrides());
        overrides.addAll(redis.overrides());
        return overrides;
    }
}
