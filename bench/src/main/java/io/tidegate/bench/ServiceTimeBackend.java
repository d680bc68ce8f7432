package io.tidegate.bench;

import io.tidegate.gateway.backend.AppendResult;
import io.tidegate.gateway.backend.Backend;
import io.tidegate.gateway.backend.Envelope;
import io.tidegate.gateway.backend.ForwardingBackend;
import io.tidegate.intelligence.scheduling.sim.Workload;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * Emulates a scheduling workload's backend around the memory store ({@code LoadTool
 * --workload-service}): one server that takes appends in the order issued and answers each
 * after the sum of its messages' service times from the workload file's service line (a sample
 * per message for its payload size), times the file's slowdown active at that point of the
 * workload's timeline, times {@code stretch}; only then is the batch stored, so acks and
 * deliveries come after the service time as they would from a real backend. This is the
 * {@link io.tidegate.intelligence.scheduling.sim.IngressSimulator}'s backend. An append never
 * blocks its caller: the server is a thread of its own that parks through each service time.
 * Thread-safe: appends from any thread; the server's state is its own thread's.
 */
final class ServiceTimeBackend extends ForwardingBackend {

    /** Gap between one append's end and the next one's issue still taken as back to back. */
    static final long SLACK_NANOS = 1_000_000;

    private final Backend delegate;
    private final Workload workload;
    private final double stretch;
    private final LongSupplier workloadNanos;
    private final ExecutorService server;
    /** Server thread only. */
    private final SplittableRandom rng = new SplittableRandom(7);
    /** Server thread only: when the server finishes the last append it took. */
    private long busyUntil;

    /**
     * @param workloadNanos where the replay is in the workload's own timeline now (for its slowdowns)
     */
    ServiceTimeBackend(Backend delegate, Workload workload, double stretch, LongSupplier workloadNanos) {
        this.delegate = delegate;
        this.workload = workload;
        this.stretch = stretch;
        this.workloadNanos = workloadNanos;
        this.server = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "emulated-backend");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    protected Backend delegate() {
        return delegate;
    }

    @Override
    public CompletableFuture<List<AppendResult>> append(List<Envelope> batch) {
        long issued = System.nanoTime();
        CompletableFuture<List<AppendResult>> answer = new CompletableFuture<>();
        server.execute(() -> serve(batch, issued, answer));
        return answer;
    }

    private void serve(List<Envelope> batch, long issued, CompletableFuture<List<AppendResult>> answer) {
        // An append issued within SLACK of the previous one's end counts as waiting for the server:
        // the gap is this thread's and the worker's wake-up on a busy machine, which the emulated
        // backend would not have, so capacity stays the workload's whatever the machine's load.
        long start = issued - busyUntil <= SLACK_NANOS ? busyUntil : issued;
        busyUntil = start + serviceNanos(batch);
        for (long left = busyUntil - System.nanoTime(); left > 0; left = busyUntil - System.nanoTime()) {
            LockSupport.parkNanos(left);
        }
        delegate.append(batch).whenComplete((results, error) -> {
            if (error != null) {
                answer.completeExceptionally(error);
            } else {
                answer.complete(results);
            }
        });
    }

    /** The batch's service time: its messages' samples times the slowdown now, times the stretch. */
    long serviceNanos(List<Envelope> batch) {
        double factor = workload.serviceFactor(workloadNanos.getAsLong()) * stretch;
        double total = 0;
        for (Envelope e : batch) {
            total += workload.service().sample(rng, e.message().getPayload().size());
        }
        return Math.max(1, Math.round(total * factor));
    }

    @Override
    public void close() {
        server.shutdown();
        delegate.close();
    }
}
