package io.tidegate.gateway.console;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server-sent events of {@code /api/events}: each client gets every snapshot as an
 * {@code event: state} whose data is the snapshot's JSON. Opening a stream only sends the headers
 * and registers the client, so the admin pool thread is free at once; the console's scheduler
 * thread writes the events. At most {@code maxClients} at once (one more is answered 503). A client
 * that does not keep up blocks a write: the watchdog ({@link #dropStalled()}, on another thread)
 * closes its exchange once a write has lasted {@code stallNanos}, which ends that write with an
 * error, and the client is dropped.
 *
 * <p>Threading: {@link #open} on admin pool threads, {@link #push} on the scheduler thread alone,
 * {@link #dropStalled} on the watchdog thread.
 */
final class EventStream {

    private static final Logger LOG = LoggerFactory.getLogger(EventStream.class);
    private static final byte[] EVENT_START = "event: state\ndata: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EVENT_END = "\n\n".getBytes(StandardCharsets.US_ASCII);

    private final int maxClients;
    private final long stallNanos;
    private final AtomicInteger admitted = new AtomicInteger();
    private final List<Client> clients = new CopyOnWriteArrayList<>();

    EventStream(int maxClients, long stallNanos) {
        this.maxClients = maxClients;
        this.stallNanos = stallNanos;
    }

    /** Admits a client (headers only) or answers 503 when {@code maxClients} are connected. */
    void open(HttpExchange ex) throws IOException {
        if (admitted.incrementAndGet() > maxClients) {
            admitted.decrementAndGet();
            StaticAssets.respond(ex, 503, "text/plain; charset=utf-8", ("too many console event streams; the limit is "
                    + maxClients + " (console.max-clients)\n").getBytes(StandardCharsets.UTF_8));
            return;
        }
        ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        try {
            ex.sendResponseHeaders(200, 0);
            ex.getResponseBody().flush();
        } catch (IOException e) {
            admitted.decrementAndGet();
            ex.close();
            throw e;
        }
        clients.add(new Client(ex));
    }

    /** Writes one event to every client; drops those whose write fails. */
    void push(byte[] json) {
        for (Client c : clients) {
            c.writingSince = System.nanoTime();
            try {
                OutputStream out = c.exchange.getResponseBody();
                out.write(EVENT_START);
                out.write(json);
                out.write(EVENT_END);
                out.flush();
            } catch (IOException | RuntimeException e) {
                drop(c, e.getMessage());
            } finally {
                c.writingSince = 0;
            }
        }
    }

    /** Closes the exchange of every client whose write has lasted longer than the stall limit. */
    void dropStalled() {
        long now = System.nanoTime();
        for (Client c : clients) {
            long since = c.writingSince;
            if (since != 0 && now - since > stallNanos) {
                drop(c, "did not take an event within console.stall-limit");
            }
        }
    }

    /** Clients connected now. */
    int clients() {
        return clients.size();
    }

    /** Ends every stream. */
    void close() {
        for (Client c : clients) {
            drop(c, "console closing");
        }
    }

    private void drop(Client c, String why) {
        if (clients.remove(c)) {
            admitted.decrementAndGet();
            LOG.debug("console event stream of {} dropped: {}", c.exchange.getRemoteAddress(), why);
            c.exchange.close();
        }
    }

    private static final class Client {
        final HttpExchange exchange;
        /** System.nanoTime when the current write began; 0 while not writing. */
        volatile long writingSince;

        Client(HttpExchange exchange) {
            this.exchange = exchange;
        }
    }
}
