package io.tidegate.gateway.priority;

import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.Priority;

/**
 * Decides the effective priority of a message at ingress. The static rules are the default;
 * learned policies plug in behind this interface. Called on gRPC threads for every published
 * message: implementations must be thread-safe, fast and non-blocking.
 */
public interface Prioritizer {

    /** Never returns {@link Priority#PRIORITY_UNSPECIFIED} or an unrecognised value. */
    Priority prioritize(Message message);
}
