package io.tidegate.gateway.tuning;

import com.google.gson.Gson;
import com.sun.net.httpserver.HttpExchange;
import io.tidegate.gateway.monitoring.AdminRoute;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The tuning controller on the admin port (behind its access filter):
 * {@code GET /admin/tuning} answers {@code {"enabled","frozen","settings":[{"name","value","min",
 * "max","kept","reverted"}]}}; {@code POST /admin/tuning/freeze} stops every move and
 * {@code POST /admin/tuning/unfreeze} lets the controller move again, both answering that state.
 *
 * <p>Threading: the admin port's threads; the controller's switch is safe from any thread.
 */
public final class TuningApi {

    private static final Gson GSON = new Gson();
    private static final String PATH = "/admin/tuning";

    private final TuningController controller;
    private final boolean enabled;

    /** @param enabled whether the controller runs ({@code tuning.enabled}); freezing a stopped one is allowed */
    public TuningApi(TuningController controller, boolean enabled) {
        this.controller = controller;
        this.enabled = enabled;
    }

    public AdminRoute route() {
        return new AdminRoute(PATH, this::handle);
    }

    private void handle(HttpExchange ex) throws IOException {
        try {
            String path = ex.getRequestURI().getPath();
            String method = ex.getRequestMethod();
            if ((path.equals(PATH) || path.equals(PATH + "/")) && method.equals("GET")) {
                send(ex, 200, state());
            } else if (path.equals(PATH + "/freeze") && method.equals("POST")) {
                controller.freeze();
                send(ex, 200, state());
            } else if (path.equals(PATH + "/unfreeze") && method.equals("POST")) {
                controller.unfreeze();
                send(ex, 200, state());
            } else {
                send(ex, 404, Map.of("error", "use GET " + PATH + ", POST " + PATH + "/freeze or POST " + PATH + "/unfreeze"));
            }
        } finally {
            ex.close();
        }
    }

    private Map<String, Object> state() {
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("enabled", enabled);
        state.put("frozen", controller.frozen());
        state.put("settings", controller.settings());
        return state;
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
}
