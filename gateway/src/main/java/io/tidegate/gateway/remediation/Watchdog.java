package io.tidegate.gateway.remediation;

/**
 * One condition looked at on every {@code remediation.check-interval}, acting through its
 * {@link ActionGuard} when it finds the condition. Called from the remediation thread only.
 */
@FunctionalInterface
public interface Watchdog {

    void check();
}
