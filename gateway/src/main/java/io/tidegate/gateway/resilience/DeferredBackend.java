package io.tidegate.gateway.resilience;

import io.tidegate.gateway.backend.AppendResult;
import io.tidegate.gateway.backend.Backend;
import io.tidegate.gateway.backend.BackendSubscription;
import io.tidegate.gateway.backend.BackendUnavailableException;
import io.tidegate.gateway.backend.DeliverySink;
import io.tidegate.gateway.backend.Envelope;
import io.tidegate.gateway.backend.ForwardingBackend;
import io.tidegate.gateway.backend.ForwardingBackendSubscription;
import io.tidegate.gateway.backend.SubscriptionSpec;
import io.tidegate.gateway.config.SettingUnusableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A backend that may not be reachable when the gateway starts: it keeps trying to connect in
 * the background, and until it has, appends fail at once (so {@link ResilientBackend} spools
 * them) and subscriptions wait, keeping their demand, to attach when it is up. Once connected it
 * only forwards. Lets a gateway restart during a backend outage instead of refusing to start.
 *
 * <p>Threading: all methods are thread-safe and never block; connection attempts run on one
 * daemon thread of its own.
 */
public final class DeferredBackend extends ForwardingBackend {

    private static final Logger log = LoggerFactory.getLogger(DeferredBackend.class);
    private static final Duration FIRST_RETRY = Duration.ofMillis(200);
    private static final Duration MAX_RETRY = Duration.ofSeconds(5);

    private final String name;
    private final Supplier<Backend> connect;
    private final ScheduledExecutorService connector;
    private final List<WaitingSubscription> waiting = new ArrayList<>();
    private volatile Backend delegate;
    private volatile boolean closed;
    private volatile String lastFailure = "not tried yet";
    private volatile boolean started;

    /**
     * Tries once now; while {@code connect} throws {@link BackendUnavailableException}, keeps
     * trying in the background. Any other failure (a misconfiguration) is thrown from here and
     * stops start-up.
     */
    public DeferredBackend(String name, Supplier<Backend> connect) {
        this.name = name;
        this.connect = connect;
        this.connector = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tidegate-" + name + "-connect");
            t.setDaemon(true);
            return t;
        });
        boolean connected = tryConnect();
        started = true;
        if (!connected) {
            log.warn("{} backend not reachable at start ({}); publishes are spooled and subscriptions wait until it is",
                    name, lastFailure);
            connector.schedule(() -> retry(FIRST_RETRY), FIRST_RETRY.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void retry(Duration backoff) {
        if (closed || tryConnect()) {
            return;
        }
        Duration next = backoff.multipliedBy(2).compareTo(MAX_RETRY) > 0 ? MAX_RETRY : backoff.multipliedBy(2);
        connector.schedule(() -> retry(next), next.toMillis(), TimeUnit.MILLISECONDS);
    }

    private boolean tryConnect() {
        Backend connected;
        try {
            connected = connect.get();
        } catch (BackendUnavailableException e) {
            lastFailure = e.getMessage();
            return false;
        } catch (RuntimeException e) {
            if (delegate == null && !started) {
                throw e;
            }
            if (e instanceof SettingUnusableException) {
                // the message says what to change; a stack trace would only bury it
                log.error("{} backend refused the connection for good; not retrying: {}", name, e.getMessage());
            } else {
                log.error("{} backend refused the connection for good; not retrying", name, e);
            }
            lastFailure = e.getMessage();
            return true;
        }
        List<WaitingSubscription> attach;
        synchronized (this) {
            if (closed) {
                connected.close();
                return true;
            }
            delegate = connected;
            attach = List.copyOf(waiting);
            waiting.clear();
        }
        log.info("{} backend connected; {} waiting subscription(s) attach now", name, attach.size());
        for (WaitingSubscription s : attach) {
            s.attach(connected);
        }
        connector.shutdown();
        return true;
    }

    @Override
    public CompletableFuture<List<AppendResult>> append(List<Envelope> batch) {
        Backend d = delegate;
        if (d == null) {
            return CompletableFuture.failedFuture(new IllegalStateException(
                    "the " + name + " backend is not connected yet: " + lastFailure));
        }
        return d.append(batch);
    }

    @Override
    protected Backend delegate() {
        return delegate;
    }

    @Override
    public BackendSubscription subscribe(SubscriptionSpec spec, DeliverySink sink) {
        synchronized (this) {
            if (delegate == null) {
                WaitingSubscription s = new WaitingSubscription(spec, sink);
                waiting.add(s);
                return s;
            }
        }
        return delegate.subscribe(spec, sink);
    }

    @Override
    public boolean isReady() {
        Backend d = delegate;
        return d != null && d.isReady();
    }

    @Override
    public String degradedReason() {
        Backend d = delegate;
        return d == null ? name + " backend not connected yet (" + lastFailure + ")" : d.degradedReason();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void close() {
        Backend d;
        synchronized (this) {
            closed = true;
            d = delegate;
            waiting.clear();
        }
        connector.shutdownNow();
        if (d != null) {
            d.close();
        }
    }

    /**
     * A subscription made before the backend was up: keeps its demand until it attaches, then
     * forwards. Thread-safe: its state is guarded by its own lock.
     */
    private static final class WaitingSubscription extends ForwardingBackendSubscription {
        private final SubscriptionSpec spec;
        private final DeliverySink sink;
        private long demand;
        private BackendSubscription real;
        private boolean closed;
        /** Completes with the attached subscription's. */
        private final CompletableFuture<Void> caughtUp = new CompletableFuture<>();

        WaitingSubscription(SubscriptionSpec spec, DeliverySink sink) {
            this.spec = spec;
            this.sink = sink;
        }

        void attach(Backend backend) {
            BackendSubscription sub;
            long granted;
            synchronized (this) {
                if (closed) {
                    return;
                }
                sub = backend.subscribe(spec, sink);
                real = sub;
                granted = demand;
            }
            sub.caughtUp().thenRun(() -> caughtUp.complete(null));
            while (granted > 0) {
                int n = (int) Math.min(Integer.MAX_VALUE, granted);
                sub.request(n);
                granted -= n;
            }
        }

        @Override
        public CompletableFuture<Void> caughtUp() {
            return caughtUp;
        }

        @Override
        public void request(int n) {
            BackendSubscription sub;
            synchronized (this) {
                if (real == null) {
                    demand += n;
                    return;
                }
                sub = real;
            }
            sub.request(n);
        }

        @Override
        public void close() {
            BackendSubscription sub;
            synchronized (this) {
                closed = true;
                sub = real;
            }
            if (sub != null) {
                sub.close();
            }
        }

        // Nothing can be delivered, so nothing acked, before the subscription attached: the
        // forwarded ack, nack and deadline extension are dropped until then.
        @Override
        protected synchronized BackendSubscription delegate() {
            return real;
        }
    }
}
