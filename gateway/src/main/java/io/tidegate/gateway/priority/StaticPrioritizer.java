package io.tidegate.gateway.priority;

import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.Priority;

/**
 * The default {@link Prioritizer}: the publisher's priority stands, unspecified means NORMAL.
 * Stateless; thread-safe.
 */
public final class StaticPrioritizer implements Prioritizer {

    @Override
    public Priority prioritize(Message message) {
        Priority p = message.getPriority();
        return p == Priority.PRIORITY_UNSPECIFIED ? Priority.PRIORITY_NORMAL : p;
    }
}
