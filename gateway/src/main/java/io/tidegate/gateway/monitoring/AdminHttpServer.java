package io.tidegate.gateway.monitoring;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tidegate.gateway.config.GatewayConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The HTTP admin port: {@code /healthz} (the process is alive), {@code /readyz} (send
 * traffic here; 503 while starting, draining or when the backend is down) and {@code /metrics}
 * (what the registry scrapes: the OpenTelemetry Prometheus exporter's reader and the JVM and
 * process collectors, written by the Prometheus client's text format 0.0.4 writer), plus the paths features add as {@link AdminRoute}s. Over HTTPS when given a configurator; every path but
 * {@code /healthz} and {@code /readyz} passes the access filter when one is given. Runs on its own
 * small thread pool, never on gRPC threads.
 */
public final class AdminHttpServer {

    private static final int ADMIN_THREADS = 4;

    private final GatewayConfig.Http config;
    private final Readiness readiness;
    private final PrometheusRegistry metrics;
    private final PrometheusTextFormatWriter text = PrometheusTextFormatWriter.create();
    private final boolean metricsEnabled;
    private final HttpsConfigurator https;
    private final Filter access;
    private final Set<AdminRoute> routes;
    private final HealthView health;
    private HttpServer server;
    /** The exchange threads; {@link HttpServer#stop} leaves an executor it was given running. */
    private ExecutorService workers;

    /**
     * @param https  TLS of the port, or null for plain HTTP
     * @param access what a caller of the protected paths must prove, or null for nothing
     * @param routes the features' own paths, all protected
     */
    public AdminHttpServer(GatewayConfig.Http http, GatewayConfig.Otel otel, Readiness readiness,
                           PrometheusRegistry metrics, HttpsConfigurator https, Filter access,
                           Set<AdminRoute> routes) {
        this(http, otel, readiness, metrics, https, access, routes, HealthView.NONE);
    }

    /** @param health what {@code /healthz?verbose} lists, one component a line */
    public AdminHttpServer(GatewayConfig.Http http, GatewayConfig.Otel otel, Readiness readiness,
                           PrometheusRegistry metrics, HttpsConfigurator https, Filter access,
                           Set<AdminRoute> routes, HealthView health) {
        this.health = health;
        this.config = http;
        this.routes = Set.copyOf(routes);
        this.https = https;
        this.access = access;
        this.readiness = readiness;
        this.metrics = metrics;
        this.metricsEnabled = otel.metricsEnabled();
    }

    /** Starts listening unless the port is -1. */
    public void start() throws IOException {
        if (config.port() < 0) {
            return;
        }
        InetSocketAddress address = new InetSocketAddress(config.host(), config.port());
        if (https != null) {
            HttpsServer tls = HttpsServer.create(address, 16);
            tls.setHttpsConfigurator(https);
            server = tls;
        } else {
            server = HttpServer.create(address, 16);
        }
        // A few threads: one slow client (or a feature's long answer) must not hold up the probes.
        AtomicInteger threads = new AtomicInteger();
        workers = Executors.newFixedThreadPool(ADMIN_THREADS, r -> {
            Thread t = new Thread(r, "tidegate-admin-http-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(workers);
        server.createContext("/healthz", ex -> respond(ex, 200, isVerbose(ex) ? verboseHealth() : "ok\n"));
        server.createContext("/readyz", ex -> {
            String why = readiness.notReadyReason();
            String note = why == null ? readiness.degradedNote() : null;
            respond(ex, why == null ? 200 : 503, why != null ? why + "\n" : note == null ? "ready\n" : "ready; " + note + "\n");
        });
        if (routes.stream().noneMatch(r -> r.path().equals("/"))) {
            protect(server.createContext("/", ex -> respond(ex, 404, "not found; the admin port serves /healthz, /readyz and /metrics\n")));
        }
        routes.forEach(r -> protect(server.createContext(r.path(), r.handler())));
        protect(server.createContext("/metrics", ex -> {
            if (!metricsEnabled) {
                respond(ex, 404, "metrics are off (otel.metrics.enabled = false)\n");
                return;
            }
            ByteArrayOutputStream body = new ByteArrayOutputStream(16 * 1024);
            text.write(body, metrics.scrape());
            ex.getResponseHeaders().set("Content-Type", text.getContentType());
            ex.sendResponseHeaders(200, body.size());
            try (OutputStream os = ex.getResponseBody()) {
                body.writeTo(os);
            }
        }));
        server.start();
    }

    private static boolean isVerbose(HttpExchange ex) {
        String query = ex.getRequestURI().getRawQuery();
        return query != null && java.util.Arrays.asList(query.split("&")).stream()
                .anyMatch(p -> p.equals("verbose") || p.startsWith("verbose="));
    }

    /**
     * "ok", then one line per component: name, state and reason. Still 200: the process is
     * alive; whether it should get traffic is {@code /readyz}'s answer.
     */
    private String verboseHealth() {
        StringBuilder b = new StringBuilder("ok\n");
        for (ComponentHealth c : health.components()) {
            b.append(c.component()).append(' ').append(c.state().name().toLowerCase(java.util.Locale.ROOT));
            if (!c.reason().isEmpty()) {
                b.append(' ').append(c.reason());
            }
            b.append('\n');
        }
        return b.toString();
    }

    /** Every path but the probes: whatever is added here later is guarded too. */
    private void protect(HttpContext context) {
        if (access != null) {
            context.getFilters().add(access);
        }
    }

    /** The bound port, or -1 when disabled. */
    public int port() {
        return server == null ? -1 : server.getAddress().getPort();
    }

    /** Stops listening and ends the exchange threads; idempotent. */
    public void stop() {
        if (server != null) {
            server.stop(0);
            workers.shutdownNow();
        }
    }

    private static void respond(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(bytes);
        }
    }
}
