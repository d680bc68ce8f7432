package io.tidegate.gateway.server;

import io.grpc.BindableService;

/**
 * A gRPC service the gateway serves on its port beside {@code GatewayService} (e.g. the
 * {@code IntelligenceService}), and told when the gateway drains so that it ends its open streams
 * instead of holding the drain up. Implementations say their own threading rule;
 * {@link #startDraining()} is called once, from the thread that drains the server.
 */
public interface AttachedService extends BindableService {

    /** Ends open streams (UNAVAILABLE, so clients go to another replica) and refuses new ones. */
    void startDraining();
}
