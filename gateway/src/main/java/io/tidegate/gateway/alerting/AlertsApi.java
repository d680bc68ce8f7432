package io.tidegate.gateway.alerting;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import io.tidegate.gateway.monitoring.AdminRoute;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The alerts API on the admin port (behind its access filter):
 * <ul>
 *   <li>{@code GET /api/alerts}: {@code {"alerts":[{"id","name","severity","state","labels",
 *       "summary","since","resolvingSince","acknowledged","acknowledgedBy"}]}}</li>
 *   <li>{@code POST /api/alerts/<id>/ack}: 200 with the alert, 404 for an unknown id</li>
 *   <li>{@code GET /api/silences}, {@code POST /api/silences} with {@code {"matchers":{...},
 *       "until":"<ISO-8601>" or "duration":"1h", "comment"}} (201 with the silence),
 *       {@code DELETE /api/silences/<id>}</li>
 * </ul>
 * Who acted is the authenticated identity (or {@code "by"} in the body when the port has no
 * authentication). Threading: the admin port's threads.
 */
public final class AlertsApi {

    /** Set by the admin access filter on every exchange it lets through. */
    static final String IDENTITY_ATTRIBUTE = "tidegate.admin.identity";
    private static final Gson GSON = new Gson();
    private static final int MAX_BODY = 64 * 1024;

    private final Alerting alerting;

    public AlertsApi(Alerting alerting) {
        this.alerting = alerting;
    }

    /** {@code /api/alerts} and {@code /api/alerts/<id>/ack}. */
    public AdminRoute alertsRoute() {
        return new AdminRoute("/api/alerts", ex -> answer(ex, this::alerts));
    }

    /** {@code /api/silences} and {@code /api/silences/<id>}. */
    public AdminRoute silencesRoute() {
        return new AdminRoute("/api/silences", ex -> answer(ex, this::silences));
    }

    private interface Handler {
        void handle(HttpExchange ex) throws IOException;
    }

    /** Bad input is a 400 saying what to fix; a coordination failure (Redis down) a 503. */
    private static void answer(HttpExchange ex, Handler handler) throws IOException {
        try {
            handler.handle(ex);
        } catch (BadRequest e) {
            send(ex, 400, Map.of("error", e.getMessage()));
        } catch (RuntimeException e) {
            send(ex, 503, Map.of("error", "alerts are not available now: " + e.getMessage()));
        } finally {
            ex.close();
        }
    }

    private void alerts(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        if (path.equals("/api/alerts") || path.equals("/api/alerts/")) {
            if (!ex.getRequestMethod().equals("GET")) {
                send(ex, 405, Map.of("error", "use GET /api/alerts or POST /api/alerts/<id>/ack"));
                return;
            }
            send(ex, 200, Map.of("alerts", alerting.alerts()));
            return;
        }
        String[] parts = path.substring("/api/alerts/".length()).split("/");
        if (parts.length != 2 || !parts[1].equals("ack") || !ex.getRequestMethod().equals("POST")) {
            send(ex, 404, Map.of("error", "unknown path; use GET /api/alerts or POST /api/alerts/<id>/ack"));
            return;
        }
        JsonObject body = body(ex);
        var acked = alerting.acknowledge(parts[0], who(ex, body));
        if (acked.isPresent()) {
            send(ex, 200, acked.get());
        } else {
            send(ex, 404, Map.of("error", "no alert with id " + parts[0] + "; GET /api/alerts lists them"));
        }
    }

    private void silences(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        String method = ex.getRequestMethod();
        boolean collection = path.equals("/api/silences") || path.equals("/api/silences/");
        if (collection && method.equals("GET")) {
            send(ex, 200, Map.of("silences", alerting.silences().stream().map(AlertsApi::silenceJson).toList()));
        } else if (collection && method.equals("POST")) {
            Silence s = silence(body(ex), ex);
            alerting.silence(s);
            send(ex, 201, silenceJson(s));
        } else if (!collection && method.equals("DELETE")) {
            String id = path.substring("/api/silences/".length());
            if (alerting.unsilence(id)) {
                send(ex, 200, Map.of("id", id, "deleted", true));
            } else {
                send(ex, 404, Map.of("error", "no silence with id " + id));
            }
        } else {
            send(ex, 405, Map.of("error", "use GET or POST /api/silences, DELETE /api/silences/<id>"));
        }
    }

    private Silence silence(JsonObject body, HttpExchange ex) {
        if (body == null || !body.has("matchers") || !body.get("matchers").isJsonObject()
                || body.getAsJsonObject("matchers").isEmpty()) {
            throw new BadRequest("a silence needs \"matchers\": an object of label = value, e.g. "
                    + "{\"matchers\":{\"alertname\":\"FeedStale\"},\"duration\":\"1h\",\"comment\":\"venue maintenance\"}");
        }
        Map<String, String> matchers = new LinkedHashMap<>();
        body.getAsJsonObject("matchers").entrySet().forEach(e -> {
            if (!e.getValue().isJsonPrimitive()) {
                throw new BadRequest("matcher " + e.getKey() + " must be a string");
            }
            matchers.put(e.getKey(), e.getValue().getAsString());
        });
        long now = alerting.clock().millis();
        long until;
        try {
            if (body.has("until")) {
                until = Instant.parse(body.get("until").getAsString()).toEpochMilli();
            } else if (body.has("duration")) {
                until = now + duration(body.get("duration").getAsString()).toMillis();
            } else {
                throw new BadRequest("a silence needs \"until\" (ISO-8601, e.g. 2030-01-01T00:00:00Z) or \"duration\" (e.g. 1h, 30m)");
            }
        } catch (DateTimeParseException | IllegalStateException | UnsupportedOperationException e) {
            throw new BadRequest("\"until\" must be an ISO-8601 instant such as 2030-01-01T00:00:00Z");
        }
        if (until <= now) {
            throw new BadRequest("the silence would end before it starts; give a later \"until\" or a positive \"duration\"");
        }
        String comment = body.has("comment") ? body.get("comment").getAsString() : "";
        return new Silence(UUID.randomUUID().toString(), matchers, until, who(ex, body), comment);
    }

    private static Duration duration(String text) {
        String t = text.trim().toLowerCase(java.util.Locale.ROOT);
        try {
            if (t.matches("\\d+(ms|s|m|h|d)")) {
                long n = Long.parseLong(t.replaceAll("[a-z]+$", ""));
                return switch (t.replaceAll("^\\d+", "")) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                };
            }
        } catch (NumberFormatException e) {
            // falls through to the message below
        }
        throw new BadRequest("\"duration\" must be a number with ms, s, m, h or d, e.g. 90m; got \"" + text + "\"");
    }

    private static Map<String, Object> silenceJson(Silence s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", s.id());
        m.put("matchers", s.matchers());
        m.put("until", Instant.ofEpochMilli(s.untilMillis()).toString());
        m.put("createdBy", s.createdBy());
        m.put("comment", s.comment());
        return m;
    }

    /** The authenticated identity, else {@code "by"} from the body, else {@code "admin"}. */
    private static String who(HttpExchange ex, JsonObject body) {
        Object identity = ex.getAttribute(IDENTITY_ATTRIBUTE);
        if (identity != null) {
            return identity.toString();
        }
        if (body != null && body.has("by") && body.get("by").isJsonPrimitive()) {
            String by = body.get("by").getAsString().trim();
            return by.isEmpty() ? "admin" : by.substring(0, Math.min(by.length(), 128));
        }
        return "admin";
    }

    /** The JSON object sent, or null when there is no body; bounded. */
    private static JsonObject body(HttpExchange ex) throws IOException {
        byte[] bytes = ex.getRequestBody().readNBytes(MAX_BODY + 1);
        if (bytes.length > MAX_BODY) {
            throw new BadRequest("the body is larger than " + MAX_BODY + " bytes");
        }
        String text = new String(bytes, StandardCharsets.UTF_8).trim();
        if (text.isEmpty()) {
            return null;
        }
        try {
            var json = JsonParser.parseString(text);
            if (!json.isJsonObject()) {
                throw new BadRequest("the body must be a JSON object");
            }
            return json.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new BadRequest("the body is not JSON: " + e.getMessage());
        }
    }

    private static void send(HttpExchange ex, int status, Object body) throws IOException {
        byte[] bytes = GSON.toJson(body).getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(bytes);
        }
    }

    /** A request the caller has to fix; answered 400 with the message. */
    private static final class BadRequest extends RuntimeException {
        BadRequest(String message) {
            super(message);
        }
    }
}
