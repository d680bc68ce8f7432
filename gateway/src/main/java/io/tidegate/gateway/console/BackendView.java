package io.tidegate.gateway.console;

import java.util.Map;

/** The backend's health: readiness, circuit breakers and the disk spool; cheap reads, any thread. */
public interface BackendView {

    /** {@code memory} or {@code redis}. */
    String name();

    /** Why this gateway is not ready, or null when it is. */
    String notReadyReason();

    /** What is degraded while ready (e.g. spooling), or null. */
    String degradedNote();

    /** Each guarded operation's breaker state ({@code closed}, {@code open}, {@code half_open}, ...). */
    Map<String, String> breakers();

    /** Bytes the disk spool occupies; 0 without one. */
    long spoolBytes();

    /** Spooled messages waiting for replay. */
    long spoolPending();

    /** The spool's size limit in bytes; 0 without a spool. */
    long spoolMaxBytes();
}
