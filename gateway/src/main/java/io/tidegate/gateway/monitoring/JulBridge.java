package io.tidegate.gateway.monitoring;

import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * Routes java.util.logging (what grpc-java and its shaded Netty write to) into SLF4J, so the
 * gateway's one log format ({@code otel.log-format}, text or JSON) covers every line. logback's
 * {@code LevelChangePropagator} (in {@code logback.xml}) keeps JUL's levels in step, so records
 * that would be dropped are never built. Call once at start, before anything logs; idempotent.
 * Thread-safe.
 */
public final class JulBridge {

    private JulBridge() {
    }

    public static synchronized void install() {
        if (!SLF4JBridgeHandler.isInstalled()) {
            SLF4JBridgeHandler.removeHandlersForRootLogger();
            SLF4JBridgeHandler.install();
        }
    }
}
