package io.tidegate.gateway.server;

import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.priority.Prioritizer;
import jakarta.inject.Inject;
import java.time.Clock;

/**
 * Builds the {@link MessageValidator} from the injected limits and {@link Prioritizer}, so the
 * prioritiser can be swapped in Guice without the validator becoming public. Thread-safe.
 */
public final class MessageValidatorFactory {

    private final GatewayConfig.Limits limits;
    private final Prioritizer prioritizer;

    @Inject
    public MessageValidatorFactory(GatewayConfig.Limits limits, Prioritizer prioritizer) {
        this.limits = limits;
        this.prioritizer = prioritizer;
    }

    MessageValidator create() {
        return new MessageValidator(limits, prioritizer, Clock.systemUTC());
    }
}
