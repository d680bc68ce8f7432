package io.tidegate.gateway.console;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.monitoring.AdminRoute;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operations console: every {@code console.push-interval} it takes a {@link ConsoleSnapshot},
 * keeps its JSON for {@code GET /api/state} and pushes it to the {@code /api/events} clients; its
 * routes also serve the page at {@code /}. Everything it shows comes from the read-only views of
 * {@link SnapshotTaker.Views}; it changes nothing in the gateway.
 *
 * <p>Threading: one scheduler thread takes snapshots and writes events; one watchdog thread drops
 * event-stream clients that stopped reading; route handlers run on the admin pool and only read
 * the latest JSON or register a client.
 */
public final class Console implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Console.class);

    private final GatewayConfig.Console config;
    private final SnapshotTaker taker;
    private final ObjectMapper json = new ObjectMapper();
    private final EventStream events;
    private final StaticAssets assets = new StaticAssets();
    private final ScheduledExecutorService scheduler = daemon("tidegate-console");
    private final ScheduledExecutorService watchdog = daemon("tidegate-console-watchdog");
    private volatile byte[] latest;

    public Console(GatewayConfig.Console config, SnapshotTaker taker) {
        this.config = config;
        this.taker = taker;
        this.events = new EventStream(config.maxClients(), config.stallLimit().toNanos());
    }

    /** Starts taking snapshots (the first at once). */
    public Console start() {
        long every = config.pushInterval().toMillis();
        scheduler.scheduleAtFixedRate(this::tick, 0, every, TimeUnit.MILLISECONDS);
        long check = Math.max(50, config.stallLimit().toMillis() / 4);
        watchdog.scheduleAtFixedRate(events::dropStalled, check, check, TimeUnit.MILLISECONDS);
        return this;
    }

    /** The page and its assets ({@code /}; unknown paths under it answer 404). */
    public AdminRoute pageRoute() {
        return new AdminRoute("/", assets);
    }

    /** {@code GET /api/state}: the latest snapshot as JSON. */
    public AdminRoute stateRoute() {
        return new AdminRoute("/api/state", ex -> {
            byte[] body = latest;
            if (body == null) {
                StaticAssets.respond(ex, 503, "text/plain; charset=utf-8",
                        "the console has not taken its first snapshot yet; retry in a second\n".getBytes(StandardCharsets.UTF_8));
                return;
            }
            StaticAssets.respond(ex, 200, "application/json", body);
        });
    }

    /** {@code GET /api/events}: the snapshots as server-sent events. */
    public AdminRoute eventsRoute() {
        return new AdminRoute("/api/events", events::open);
    }

    /** Event-stream clients connected now. */
    public int eventClients() {
        return events.clients();
    }

    private void tick() {
        try {
            byte[] body = json.writeValueAsBytes(taker.take());
            latest = body;
            events.push(body);
        } catch (JsonProcessingException | RuntimeException e) {
            // one bad snapshot must not stop the schedule
            LOG.warn("console snapshot failed: {}", e.toString());
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        watchdog.shutdownNow();
        try {
            scheduler.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        events.close();
    }

    private static ScheduledExecutorService daemon(String name) {
        return Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }
}
