package io.tidegate.gateway.backend.memory;

import io.tidegate.gateway.backend.Backend;
import io.tidegate.gateway.backend.BackendContractTest;
import io.tidegate.gateway.config.GatewayConfig;

class MemoryBackendContractTest extends BackendContractTest {

    @Override
    protected Backend newBackend(GatewayConfig config) {
        return new MemoryBackend(config.storage());
    }
}
