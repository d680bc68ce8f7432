package io.tidegate.gateway.backend.redis;

import io.tidegate.gateway.backend.Backend;
import io.tidegate.gateway.backend.BackendContractTest;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.testkit.RedisClusterExtension;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The shared backend contract, run against a local three-master Redis Cluster started for this
 * class: the third backend next to memory and standalone Redis. Topics of one test hash to
 * different slots, so most tests span several nodes.
 */
class RedisClusterBackendContractTest extends BackendContractTest {

    @RegisterExtension
    static final RedisClusterExtension CLUSTER = new RedisClusterExtension();

    @Override
    protected Backend newBackend(GatewayConfig config) {
        return ConfiguredRedisBackend.open(config);
    }

    @Override
    protected List<String> baseOverrides() {
        List<String> overrides = new ArrayList<>(super.baseOverrides());
        overrides.add("backend.type=redis");
        overrides.add("backend.redis.cluster-nodes=" + CLUSTER.seeds());
        return overrides;
    }
}
