package io.tidegate.gateway.dispatch;

import io.tidegate.gateway.backend.AppendResult;
import io.tidegate.gateway.backend.Backend;
import io.tidegate.gateway.backend.BackendSubscription;
import io.tidegate.gateway.backend.DeliverySink;
import io.tidegate.gateway.backend.EntryId;
import io.tidegate.gateway.backend.Envelope;
import io.tidegate.gateway.backend.StreamPosition;
import io.tidegate.gateway.backend.SubscriptionSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.ToLongFunction;

/**
 * The dispatch tests' backend: records every append (payloads in order, per ordering key, and
 * whether one key ever had two appends in flight) and holds each append until it is answered: by
 * the test ({@link #completeOne}, {@link #answer}), on a timer ({@link #answeringAfter}), or at
 * once after {@link #open}. Thread-safe: everything is guarded by its lock; answers complete the
 * futures outside it.
 */
class GatedBackend implements Backend {

    /** An append in flight, issued at {@code issuedAt} and due at {@code dueAt} on the backend's clock. */
    record Held(List<Envelope> batch, long issuedAt, long dueAt, CompletableFuture<List<AppendResult>> future,
                List<AppendResult> results) {
    }

    private final LongSupplier clock;
    private final ToLongFunction<List<Envelope>> duration;
    private final ScheduledExecutorService timer;
    private final List<Held> inFlight = new ArrayList<>();
    private final List<String> appended = new ArrayList<>();
    private final Map<String, List<String>> appendedByKey = new LinkedHashMap<>();
    private final Map<String, Integer> keysInFlight = new LinkedHashMap<>();
    private boolean keyOverlapped;
    private boolean open;
    private int answered;

    /** Holds every append until the test answers it. */
    GatedBackend() {
        this(System::nanoTime, batch -> 0, null);
    }

    private GatedBackend(LongSupplier clock, ToLongFunction<List<Envelope>> duration, ScheduledExecutorService timer) {
        this.clock = clock;
        this.duration = duration;
        this.timer = timer;
    }

    /**
     * Holds every append until the test answers it; each is due {@code duration} of its batch
     * (nanoseconds) after it was issued on {@code clock}, for the test to answer in due order.
     */
    static GatedBackend onClock(LongSupplier clock, ToLongFunction<List<Envelope>> duration) {
        return new GatedBackend(clock, duration, null);
    }

    /** Answers each append {@code after} it was issued, on a timer thread of its own. */
    static GatedBackend answeringAfter(Duration after) {
        return new GatedBackend(System::nanoTime, batch -> after.toNanos(), Executors.newSingleThreadScheduledExecutor());
    }

    @Override
    public CompletableFuture<List<AppendResult>> append(List<Envelope> batch) {
        CompletableFuture<List<AppendResult>> f = new CompletableFuture<>();
        Held held;
        synchronized (this) {
            List<AppendResult> results = new ArrayList<>();
            for (Envelope e : batch) {
                String payload = e.message().getPayload().toStringUtf8();
                appended.add(payload);
                appendedByKey.computeIfAbsent(e.orderingKey(), k -> new ArrayList<>()).add(payload);
                results.add(AppendResult.accepted(new StreamPosition(e.topic(), new EntryId(1, appended.size()))));
            }
            if (open) {
                f.complete(results);
                return f;
            }
            for (Envelope e : batch) {
                if (keysInFlight.merge(e.orderingKey(), 1, Integer::sum) > 1) {
                    keyOverlapped = true;
                }
            }
            long now = clock.getAsLong();
            held = new Held(List.copyOf(batch), now, now + duration.applyAsLong(batch), f, results);
            inFlight.add(held);
            notifyAll();
        }
        if (timer != null) {
            timer.schedule(() -> answer(held), held.dueAt() - held.issuedAt(), TimeUnit.NANOSECONDS);
        }
        return f;
    }

    /** Answers the oldest append in flight, waiting up to 5 s for one. */
    void completeOne() throws InterruptedException {
        Held oldest;
        synchronized (this) {
            long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (inFlight.isEmpty()) {
                long left = giveUp - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("no append in flight to answer");
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            oldest = inFlight.get(0);
        }
        answer(oldest);
    }

    /** Answers {@code held}; true when an append issued before it (on the clock) is still in flight. */
    boolean answer(Held held) {
        boolean overtook;
        synchronized (this) {
            if (!inFlight.remove(held)) {
                return false;
            }
            held.batch().forEach(e -> keysInFlight.computeIfPresent(e.orderingKey(), (k, n) -> n == 1 ? null : n - 1));
            overtook = inFlight.stream().anyMatch(o -> o.issuedAt() < held.issuedAt());
            answered++;
        }
        held.future().complete(held.results());
        return overtook;
    }

    /** Answers every append in flight and, from now on, each append at once. */
    void open() {
        List<Held> left;
        synchronized (this) {
            open = true;
            left = new ArrayList<>(inFlight);
        }
        left.forEach(this::answer);
    }

    /** The appends in flight, in the order they were issued. */
    synchronized List<Held> inFlight() {
        return List.copyOf(inFlight);
    }

    synchronized int inFlightCount() {
        return inFlight.size();
    }

    /** The payloads appended so far (as UTF-8), in order. */
    synchronized List<String> appended() {
        return List.copyOf(appended);
    }

    /** The payloads appended so far, by ordering key, each in order. */
    synchronized Map<String, List<String>> appendedByKey() {
        Map<String, List<String>> copy = new LinkedHashMap<>();
        appendedByKey.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        return copy;
    }

    /** Whether one ordering key ever had two appends in flight at once. */
    synchronized boolean keyOverlapped() {
        return keyOverlapped;
    }

    /** How many appends were answered while held (not counting those answered at once after {@link #open}). */
    synchronized int answered() {
        return answered;
    }

    @Override
    public BackendSubscription subscribe(SubscriptionSpec spec, DeliverySink sink) {
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean isReady() {
        return true;
    }

    @Override
    public String name() {
        return "gated";
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
