package io.tidegate.gateway.dispatch;

import io.tidegate.gateway.backend.AppendResult;
import io.tidegate.gateway.backend.Backend;
import io.tidegate.gateway.backend.Envelope;
import io.tidegate.gateway.config.GatewayConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The queues between ingress and backend. Publishes wait in per-priority lanes; one dispatch
 * thread takes them highest priority first, in batches, and hands each batch to
 * {@link Backend#append}, with at most {@code max-in-flight-batches} appends outstanding. When
 * the backend is the bottleneck the lanes fill and a CRITICAL message overtakes queued BULK ones;
 * messages with the same ordering key never overtake each other.
 *
 * <p>Threading: {@link #offer} is called from any thread and never blocks; callbacks run on
 * backend completion threads.
 */
public final class IngressDispatcher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(IngressDispatcher.class);

    private final Backend backend;
    private final int capacity;
    private final int maxBatch;
    private final Semaphore inFlight;
    private final int maxInFlight;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final PriorityLanes<PendingPublish> lanes = new PriorityLanes<>(p -> p.envelope().orderingKey());
    private final Thread thread;
    private volatile boolean running = true;

    public IngressDispatcher(Backend backend, GatewayConfig.Dispatch config) {
        this.backend = backend;
        this.capacity = config.ingressQueueCapacity();
        this.maxBatch = config.maxBatch();
        this.maxInFlight = config.maxInFlightBatches();
        this.inFlight = new Semaphore(maxInFlight);
        this.thread = new Thread(this::run, "tidegate-ingress");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** What {@link #offer} did with a batch. */
    public enum Offer {
        QUEUED,
        /** the queues lack room for the whole batch */
        FULL,
        /** the gateway is draining */
        CLOSED
    }

    /** Queues the publishes, all or none. */
    public Offer offer(List<PendingPublish> publishes) {
        lock.lock();
        try {
            if (!running) {
                return Offer.CLOSED;
            }
            if (lanes.size() + publishes.size() > capacity) {
                return Offer.FULL;
            }
            for (PendingPublish p : publishes) {
                lanes.add(p, p.level());
            }
            notEmpty.signal();
            return Offer.QUEUED;
        } finally {
            lock.unlock();
        }
    }

    /** Messages waiting per priority, CRITICAL first. */
    public int[] queueDepths() {
        lock.lock();
        try {
            return lanes.depths();
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        List<PendingPublish> batch = new ArrayList<>(maxBatch);
        while (true) {
            try {
                // Take the permit first so messages keep waiting in the priority lanes, where a
                // later CRITICAL message can still overtake them, while the backend is busy.
                inFlight.acquire();
                if (!takeBatch(batch)) {
                    inFlight.release();
                    return;
                }
            } catch (InterruptedException e) {
                return;
            }
            send(List.copyOf(batch));
            batch.clear();
        }
    }

    private boolean takeBatch(List<PendingPublish> batch) throws InterruptedException {
        lock.lock();
        try {
            while (lanes.size() == 0) {
                if (!running) {
                    return false;
                }
                notEmpty.await();
            }
            PendingPublish p;
            while (batch.size() < maxBatch && (p = lanes.poll()) != null) {
                batch.add(p);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    private void send(List<PendingPublish> batch) {
        List<Envelope> envelopes = new ArrayList<>(batch.size());
        for (PendingPublish p : batch) {
            envelopes.add(p.envelope());
        }
        try {
            backend.append(envelopes).whenComplete((results, error) -> {
                inFlight.release();
                complete(batch, results, error);
            });
        } catch (RuntimeException e) {
            inFlight.release();
            complete(batch, null, e);
        }
    }

    private static void complete(List<PendingPublish> batch, List<AppendResult> results, Throwable error) {
        for (int i = 0; i < batch.size(); i++) {
            PendingPublish.PublishCallback callback = batch.get(i).callback();
            try {
                if (error != null) {
                    callback.onFailed(error);
                } else {
                    callback.onAppended(results.get(i));
                }
            } catch (RuntimeException e) {
                log.warn("publish callback failed", e);
            }
        }
    }

    /**
     * Stops taking new publishes and waits until everything queued has been appended and
     * answered, or the timeout passes.
     *
     * @return true when everything queued was flushed
     */
    public boolean drain(long timeout, TimeUnit unit) throws InterruptedException {
        lock.lock();
        try {
            running = false;
            notEmpty.signalAll();
        } finally {
            lock.unlock();
        }
        thread.join(unit.toMillis(timeout));
        if (thread.isAlive()) {
            return false;
        }
        // every append issued has released its permit once answered
        if (!inFlight.tryAcquire(maxInFlight, Math.max(1, unit.toMillis(timeout)), TimeUnit.MILLISECONDS)) {
            return false;
        }
        inFlight.release(maxInFlight);
        return true;
    }

    @Override
    public void close() {
        try {
            drain(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        thread.interrupt();
    }
}
