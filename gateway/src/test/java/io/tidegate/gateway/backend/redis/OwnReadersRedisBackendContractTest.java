package io.tidegate.gateway.backend.redis;

import java.util.ArrayList;
import java.util.List;

/**
 * The whole Redis backend contract again with {@code backend.redis.shared-readers = 0}: every
 * broadcast subscription reading through a connection of its own, as before shared readers.
 */
class OwnReadersRedisBackendContractTest extends RedisBackendContractTest {

    @Override
    protected List<String> baseOverrides() {
        List<String> all = new ArrayList<>(super.baseOverrides());
        all.add("backend.redis.shared-readers=0");
        return all;
    }
}
