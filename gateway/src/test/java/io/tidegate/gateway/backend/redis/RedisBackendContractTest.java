package io.tidegate.gateway.backend.redis;

import io.tidegate.testkit.RedisServerExtension;
import io.tidegate.gateway.backend.Backend;
import io.tidegate.gateway.backend.BackendContractTest;
import io.tidegate.gateway.config.GatewayConfig;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The shared backend contract, run against a real redis-server started for this class, plus what
 * only a shared server can show: strict key order across backends (gateway replicas).
 */
class RedisBackendContractTest extends BackendContractTest {

    @RegisterExtension
    static final RedisServerExtension REDIS = new RedisServerExtension();

    @Override
    protected Backend newBackend(GatewayConfig config) {
        return new RedisBackend(config);
    }

    @Test
    void strictOrderHoldsAcrossMembersOnTwoReplicas() throws Exception {
        Backend first = start();
        Backend second = startAnother();
        strictOrderRun(List.of(first, second, first, second));
    }

    @Override
    protected List<String> baseOverrides() {
        List<String> overrides = new ArrayList<>(super.baseOverrides());
        overrides.add("backend.type=redis");
        overrides.add("backend.redis.uri=" + REDIS.uri());
        return overrides;
    }
}
