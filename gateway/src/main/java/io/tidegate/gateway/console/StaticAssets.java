package io.tidegate.gateway.console;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Serves the console page ({@code /}) and its script and style sheet from the gateway's own
 * resources (no CDN, nothing fetched from elsewhere); any other path under {@code /} is 404.
 * Loaded once; thread-safe.
 */
final class StaticAssets implements HttpHandler {

    private record Asset(String type, byte[] body) {
    }

    private final Map<String, Asset> assets = Map.of(
            "/", load("index.html", "text/html; charset=utf-8"),
            "/console.js", load("console.js", "text/javascript; charset=utf-8"),
            "/console.css", load("console.css", "text/css; charset=utf-8"));

    @Override
    public void handle(HttpExchange ex) throws IOException {
        Asset asset = assets.get(ex.getRequestURI().getPath());
        if (asset == null) {
            respond(ex, 404, "text/plain; charset=utf-8", ("not found: " + ex.getRequestURI().getPath()
                    + "; the admin port serves /, /api/state, /api/events, /healthz, /readyz and /metrics\n")
                    .getBytes(StandardCharsets.UTF_8));
            return;
        }
        if (!"GET".equals(ex.getRequestMethod()) && !"HEAD".equals(ex.getRequestMethod())) {
            respond(ex, 405, "text/plain; charset=utf-8", "use GET\n".getBytes(StandardCharsets.UTF_8));
            return;
        }
        respond(ex, 200, asset.type(), asset.body());
    }

    static void respond(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(body);
        }
    }

    private static Asset load(String name, String type) {
        try (InputStream in = StaticAssets.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("console asset " + name + " is missing from the jar");
            }
            return new Asset(type, in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
