package io.tidegate.gateway.monitoring;

import com.sun.net.httpserver.HttpHandler;
import java.util.Objects;

/**
 * One more path on the admin port (a page, an API, an admin action), contributed by a feature
 * and bound at the composition root ({@code Multibinder<AdminRoute>}), so features never edit
 * {@link AdminHttpServer}. Every route sits behind the admin access filter.
 *
 * <p>Threading: the handler runs on the admin port's small thread pool, never on gRPC threads;
 * a handler that keeps its exchange open (server-sent events) must hand the writing to its own
 * thread so it does not hold a pool thread.
 *
 * @param path    the context path, e.g. {@code /api/alerts}; longest prefix wins
 * @param handler what answers it
 */
public record AdminRoute(String path, HttpHandler handler) {

    public AdminRoute {
        Objects.requireNonNull(handler, "handler");
        if (path == null || !path.startsWith("/") || path.equals("/healthz") || path.equals("/readyz")
                || path.equals("/metrics")) {
            throw new IllegalArgumentException("an admin route needs its own path starting with '/': " + path);
        }
    }
}
