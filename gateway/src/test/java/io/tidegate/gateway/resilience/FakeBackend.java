package io.tidegate.gateway.resilience;

import io.tidegate.gateway.backend.AppendResult;
import io.tidegate.gateway.backend.Backend;
import io.tidegate.gateway.backend.BackendSubscription;
import io.tidegate.gateway.backend.DeliverySink;
import io.tidegate.gateway.backend.EntryId;
import io.tidegate.gateway.backend.Envelope;
import io.tidegate.gateway.backend.StreamPosition;
import io.tidegate.gateway.backend.SubscriptionSpec;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/** A backend for unit tests that can be switched down and up; records what it stored, in order. */
final class FakeBackend implements Backend {

    private final List<Envelope> stored = new ArrayList<>();
    private final List<Held> held = new ArrayList<>();
    private final AtomicInteger calls = new AtomicInteger();
    private volatile boolean up = true;
    private volatile boolean hold;
    private volatile String refused;
    private long seq;

    void up(boolean up) {
        this.up = up;
    }

    /** While set, messages on topics starting with it are refused (as a Redis ACL refuses them), not stored. */
    void refuse(String topicPrefix) {
        this.refused = topicPrefix;
    }

    /** While true, appends neither store nor answer: their futures wait for {@link #failHeld}. */
    synchronized void hold(boolean hold) {
        this.hold = hold;
    }

    private record Held(List<Envelope> batch, CompletableFuture<List<AppendResult>> future) {
    }

    /** Fails every held append, as a dropped connection does. */
    void failHeld() {
        List<Held> toFail;
        synchronized (this) {
            toFail = new ArrayList<>(held);
            held.clear();
        }
        toFail.forEach(h -> h.future.completeExceptionally(new IOException("connection lost")));
    }

    /** Fails the oldest held append alone, as a single command's timeout does. */
    void failOldestHeld() {
        Held oldest;
        synchronized (this) {
            oldest = held.remove(0);
        }
        oldest.future.completeExceptionally(new IOException("command timed out"));
    }

    /** Stores the held appends, oldest first, and answers them. */
    void answerHeld() {
        List<Held> toAnswer;
        synchronized (this) {
            toAnswer = new ArrayList<>(held);
            held.clear();
        }
        for (Held h : toAnswer) {
            List<AppendResult> results = new ArrayList<>();
            synchronized (this) {
                for (Envelope e : h.batch) {
                    stored.add(e);
                    results.add(AppendResult.accepted(new StreamPosition(e.topic(), EntryId.parse("1-" + seq++))));
                }
            }
            h.future.complete(results);
        }
    }

    synchronized int heldCount() {
        return held.size();
    }

    int calls() {
        return calls.get();
    }

    synchronized List<String> storedIds() {
        return stored.stream().map(Envelope::id).toList();
    }

    @Override
    public CompletableFuture<List<AppendResult>> append(List<Envelope> batch) {
        calls.incrementAndGet();
        synchronized (this) {
            if (hold) {
                CompletableFuture<List<AppendResult>> f = new CompletableFuture<>();
                held.add(new Held(List.copyOf(batch), f));
                return f;
            }
            if (!up) {
                return CompletableFuture.failedFuture(new IOException("backend down"));
            }
            List<AppendResult> results = new ArrayList<>();
            for (Envelope e : batch) {
                String no = refused;
                if (no != null && e.topic().startsWith(no)) {
                    results.add(AppendResult.refusedResult("NOPERM no permissions to access " + e.topic()));
                    continue;
                }
                stored.add(e);
                results.add(AppendResult.accepted(new StreamPosition(e.topic(), EntryId.parse("1-" + seq++))));
            }
            return CompletableFuture.completedFuture(results);
        }
    }

    @Override
    public BackendSubscription subscribe(SubscriptionSpec spec, DeliverySink sink) {
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean isReady() {
        return up;
    }

    @Override
    public String name() {
        return "fake";
    }

    @Override
    public void close() {
    }
}
