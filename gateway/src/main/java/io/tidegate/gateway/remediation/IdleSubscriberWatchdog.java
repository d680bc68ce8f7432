package io.tidegate.gateway.remediation;

import io.grpc.Status;
import io.tidegate.gateway.server.StalledStreams;
import java.time.Duration;

/**
 * {@code close-idle-subscriber}: ends a client stream that holds credit but has not read for
 * {@code idle-after} while deliveries wait for it, with UNAVAILABLE saying why; its unacked
 * group messages go back to the group. Called from the remediation thread only.
 */
public final class IdleSubscriberWatchdog implements Watchdog {

    private final StalledStreams streams;
    private final Duration idleAfter;
    private final ActionGuard guard;

    public IdleSubscriberWatchdog(StalledStreams streams, Duration idleAfter, ActionGuard guard) {
        this.streams = streams;
        this.idleAfter = idleAfter;
        this.guard = guard;
    }

    @Override
    public void check() {
        if (!guard.enabled()) {
            return;
        }
        for (String session : streams.stalledFor(idleAfter)) {
            String why = "held credit for " + idleAfter.toSeconds() + "s without reading while messages waited";
            guard.attempt("session " + session, why, () -> streams.end(session,
                    Status.UNAVAILABLE.withDescription("closed by remediation: " + why
                            + " (remediation.close-idle-subscriber); unacked group messages go back to the group")));
        }
    }
}
