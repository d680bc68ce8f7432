package io.tidegate.gateway.priority;

import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.Priority;

/**
 * The gateway's {@link Prioritizer}: the publisher's priority (unspecified means NORMAL), moved
 * by the regime-aware rules ({@link RegimeRoutes}) when the message's instrument is in a regime
 * a rule names. Thread-safe as its {@link RegimeSource}.
 */
public final class RegimePrioritizer implements Prioritizer {

    private final StaticPrioritizer declared = new StaticPrioritizer();
    private final RegimeRoutes routes;

    public RegimePrioritizer(RegimeRoutes routes) {
        this.routes = routes;
    }

    @Override
    public Priority prioritize(Message message) {
        return routes.effective(message.getTopic(), declared.prioritize(message));
    }

    @Override
    public int decide(Message message) {
        return routes.decide(message.getTopic(), declared.prioritize(message));
    }
}
