package io.tidegate.gateway.monitoring;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.exporter.prometheus.PrometheusMetricReader;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.tidegate.gateway.config.GatewayConfig;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * The HTTP admin port: {@code /healthz} (the process is alive), {@code /readyz} (send
 * traffic here; 503 while starting, draining or when the backend is down) and {@code /metrics}
 * (what the OpenTelemetry Prometheus exporter's reader collects, written by the Prometheus
 * client's text format 0.0.4 writer). Runs on its own single thread, never on gRPC threads.
 */
@Singleton
public final class AdminHttpServer {

    private final GatewayConfig.Http config;
    private final Readiness readiness;
    private final PrometheusMetricReader metrics;
    private final PrometheusTextFormatWriter text = PrometheusTextFormatWriter.create();
    private final boolean metricsEnabled;
    private HttpServer server;

    @Inject
    public AdminHttpServer(GatewayConfig.Http http, GatewayConfig.Otel otel, Readiness readiness,
                           PrometheusMetricReader metrics) {
        this.config = http;
        this.readiness = readiness;
        this.metrics = metrics;
        this.metricsEnabled = otel.metricsEnabled();
    }

    /** Starts listening unless the port is -1. */
    public void start() throws IOException {
        if (config.port() < 0) {
            return;
        }
        server = HttpServer.create(new InetSocketAddress(config.host(), config.port()), 16);
        server.setExecutor(Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "tidegate-admin-http");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/healthz", ex -> respond(ex, 200, "ok\n"));
        server.createContext("/readyz", ex -> {
            String why = readiness.notReadyReason();
            String note = why == null ? readiness.degradedNote() : null;
            respond(ex, why == null ? 200 : 503, why != null ? why + "\n" : note == null ? "ready\n" : "ready; " + note + "\n");
        });
        server.createContext("/metrics", ex -> {
            if (!metricsEnabled) {
                respond(ex, 404, "metrics are off (otel.metrics.enabled = false)\n");
                return;
            }
            ByteArrayOutputStream body = new ByteArrayOutputStream(16 * 1024);
            text.write(body, metrics.collect());
            ex.getResponseHeaders().set("Content-Type", text.getContentType());
            ex.sendResponseHeaders(200, body.size());
            try (OutputStream os = ex.getResponseBody()) {
                body.writeTo(os);
            }
        });
        server.start();
    }

    /** The bound port, or -1 when disabled. */
    public int port() {
        return server == null ? -1 : server.getAddress().getPort();
    }

    public void stop() {
        if (server != null) {
            server.stop(0);
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
