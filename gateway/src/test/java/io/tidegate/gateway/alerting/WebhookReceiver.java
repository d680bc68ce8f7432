package io.tidegate.gateway.alerting;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP server standing in for Alertmanager or a pager: records every POST body and can
 * be told to fail the next few requests with 503. Thread-safe.
 */
final class WebhookReceiver implements AutoCloseable {

    private final HttpServer server;
    private final List<JsonObject> accepted = new CopyOnWriteArrayList<>();
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger failNext = new AtomicInteger();

    WebhookReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.createContext("/hook", ex -> {
            byte[] body = ex.getRequestBody().readAllBytes();
            requests.incrementAndGet();
            if (failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                ex.sendResponseHeaders(503, -1);
            } else {
                accepted.add(JsonParser.parseString(new String(body, StandardCharsets.UTF_8)).getAsJsonObject());
                ex.sendResponseHeaders(200, -1);
            }
            ex.close();
        });
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
    }

    void failNext(int n) {
        failNext.set(n);
    }

    /** Bodies answered 200, in arrival order. */
    List<JsonObject> accepted() {
        return List.copyOf(accepted);
    }

    int requests() {
        return requests.get();
    }

    /** Accepted notifications about alerts of this rule with this status. */
    long count(String alertname, String status) {
        return accepted.stream().flatMap(b -> b.getAsJsonArray("alerts").asList().stream())
                .map(a -> a.getAsJsonObject())
                .filter(a -> a.get("status").getAsString().equals(status)
                        && a.getAsJsonObject("labels").get("alertname").getAsString().equals(alertname))
                .count();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
