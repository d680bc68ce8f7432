package io.tidegate.gateway.risk;

import com.sun.net.httpserver.HttpExchange;
import io.tidegate.gateway.monitoring.AdminRoute;
import io.tidegate.proto.v1.KillScope;
import io.tidegate.proto.v1.KillSwitch;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The kill switch on the admin port, behind its auth: {@code POST /admin/kill?scope=global|venue|strategy&name=..&reason=..},
 * {@code POST /admin/revive?scope=..&name=..} and {@code GET /admin/kills} (JSON). Answers 400
 * saying what to fix, 405 for another method, 503 when the kill switches cannot be written.
 * Threading: handlers run on the admin port's pool and may wait for a Redis round trip.
 */
public final class KillAdminRoutes {

    private final KillSwitches kills;

    public KillAdminRoutes(KillSwitches kills) {
        this.kills = kills;
    }

    /** The three routes. */
    public List<AdminRoute> routes() {
        return List.of(new AdminRoute("/admin/kill", ex -> post(ex, true)),
                new AdminRoute("/admin/revive", ex -> post(ex, false)),
                new AdminRoute("/admin/kills", this::list));
    }

    private void post(HttpExchange ex, boolean kill) throws IOException {
        try (ex) {
            if (!ex.getRequestMethod().equals("POST")) {
                send(ex, 405, "{\"error\":\"use POST\"}");
                return;
            }
            Map<String, String> q = query(ex.getRequestURI().getRawQuery());
            KillScope scope;
            try {
                scope = KillScope.valueOf("KILL_SCOPE_" + q.getOrDefault("scope", "").toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                send(ex, 400, "{\"error\":" + json("scope must be global, venue or strategy") + "}");
                return;
            }
            try {
                if (kill) {
                    KillSwitch k = kills.kill(scope, q.getOrDefault("name", ""), q.getOrDefault("reason", ""), "admin-http");
                    send(ex, 200, json(k));
                } else {
                    boolean was = kills.revive(scope, q.getOrDefault("name", ""), "admin-http");
                    send(ex, 200, "{\"was_killed\":" + was + "}");
                }
            } catch (IllegalArgumentException e) {
                send(ex, 400, "{\"error\":" + json(e.getMessage()) + "}");
            } catch (RuntimeException e) {
                send(ex, 503, "{\"error\":" + json("the kill switches cannot be written now: " + e.getMessage()) + "}");
            }
        }
    }

    private void list(HttpExchange ex) throws IOException {
        try (ex) {
            if (!ex.getRequestMethod().equals("GET")) {
                send(ex, 405, "{\"error\":\"use GET\"}");
                return;
            }
            StringBuilder body = new StringBuilder("{\"kills\":[");
            List<KillSwitch> all = kills.list();
            for (int i = 0; i < all.size(); i++) {
                body.append(i == 0 ? "" : ",").append(json(all.get(i)));
            }
            send(ex, 200, body.append("]}").toString());
        }
    }

    private static String json(KillSwitch k) {
        return "{\"scope\":" + json(KillSwitches.shortName(k.getScope()).toLowerCase(Locale.ROOT)) + ",\"name\":"
                + json(k.getName()) + ",\"reason\":" + json(k.getReason()) + ",\"killed_by\":" + json(k.getKilledBy())
                + ",\"killed_at_ms\":" + k.getKilledAtMs() + "}";
    }

    private static String json(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> q = new HashMap<>();
        if (raw == null) {
            return q;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            q.put(k, v);
        }
        return q;
    }

    private static void send(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
    }
}
