package io.tidegate.gateway.dispatch;

import io.tidegate.gateway.backend.AppendResult;
import io.tidegate.gateway.backend.BackendRefusedException;
import io.tidegate.gateway.backend.Backend;
import io.tidegate.gateway.backend.Envelope;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.priority.LanePolicies;
import io.tidegate.gateway.priority.PolicyFallbacks;
import io.tidegate.gateway.priority.PriorityLevels;
import io.tidegate.proto.v1.Priority;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The queues between ingress and backend. Publishes wait in per-priority lanes; a pool of
 * workers takes them in the order the configured {@code dispatch.policy} picks (highest
 * priority first by default; always inside the safety rails), in batches, each worker with one
 * {@link Backend#append} in flight. When the backend is the bottleneck the lanes fill and a
 * CRITICAL message overtakes queued BULK ones; messages with the same ordering key never overtake
 * each other and are never appended concurrently ({@link KeyClaimingLanes}). A sampler thread
 * sizes the pool between {@code dispatch.workers.min} and {@code max} ({@link PoolSizer}).
 *
 * <p>A CRITICAL message the gateway makes itself may skip the lanes ({@code
 * dispatch.critical-handoff}): when nothing CRITICAL and nothing of its key waits or is in
 * flight, the publishing thread appends it ({@link #offer(List, boolean)}). Waking a parked worker
 * costs tens to hundreds of microseconds on a loaded machine, most of such a message's latency;
 * the append itself never blocks ({@link Backend}). At most one such append is in flight, so the
 * backend sees at most one append more than there are workers.
 *
 * <p>Threading: {@link #offer} is called from any thread and never blocks; callbacks run on
 * backend completion threads, on the worker that issued the append, or (a handed-off message,
 * with a backend that answers at once) on the publishing thread before {@code offer} returns.
 * {@link DispatchStats} methods are safe from any thread.
 */
public final class IngressDispatcher implements DispatchStats, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(IngressDispatcher.class);

    private final Backend backend;
    /** {@link System#nanoTime} but in tests, which drive time themselves. */
    private final LongSupplier clock;
    private final int capacity;
    private final boolean criticalHandoff;
    /** Read once per batch, so a tuner's change applies from the next batch on; no lock on the hot path. */
    private volatile int maxBatch;
    /** Least messages one decision of the lanes takes from a class; 1 leaves each class's configured batch. */
    private volatile int classBatchFloor = 1;
    private final long sampleMillis;
    private final ReentrantLock lock = new ReentrantLock();
    /**
     * Signalled (one waiter at a time; a worker that takes work passes the signal on) when work
     * may be takeable; signalled to all when the pool shrinks or the dispatcher drains.
     */
    private final Condition workAvailable = lock.newCondition();
    /** Signalled to {@link #drain} when a batch was answered or a worker stopped. */
    private final Condition settled = lock.newCondition();
    private final KeyClaimingLanes lanes;
    private final PoolSizer sizer;
    private final Thread sampler;
    private final AtomicLongArray dispatched = new AtomicLongArray(PriorityLevels.LEVELS);
    private final AtomicLongArray delayTotals = new AtomicLongArray(PriorityLevels.LEVELS);
    private final AtomicLong handedOff = new AtomicLong();
    private final KeyClaimingLanes.TakeListener recordDelay = this::recordDelay;
    // guarded by lock
    private boolean running = true;
    private int live;
    private int busy;
    /** A handed-off append is in flight (not counted in {@link #busy}: no worker runs it). */
    private boolean handingOff;
    /** The most workers busy at once since the sizer's last sample. */
    private int peakBusy;
    private int nextWorkerId;
    private long takeNanos;
    // copies for lock-free readers
    private volatile int liveView;
    private volatile int busyView;

    /** With the configured policy, its fallbacks counted by a listener of its own (tests, embedded use). */
    public IngressDispatcher(Backend backend, GatewayConfig.Dispatch config) {
        this(backend, config, new LanePolicies(config.scheduling(), new PolicyFallbacks()));
    }

    public IngressDispatcher(Backend backend, GatewayConfig.Dispatch config, LanePolicies policies) {
        this(backend, config, policies, System::nanoTime);
    }

    /** With {@code clock} read wherever the dispatcher reads the time, so a test can drive time itself. */
    IngressDispatcher(Backend backend, GatewayConfig.Dispatch config, LanePolicies policies, LongSupplier clock) {
        this.backend = backend;
        this.clock = clock;
        this.lanes = new KeyClaimingLanes(policies);
        this.capacity = config.ingressQueueCapacity();
        this.criticalHandoff = config.criticalHandoff();
        this.maxBatch = config.maxBatch();
        this.sampleMillis = Math.max(1, config.workers().sampleInterval().toMillis());
        this.sizer = new PoolSizer(config.workers(), clock.getAsLong());
        lock.lock();
        try {
            resize(sizer.target());
        } finally {
            lock.unlock();
        }
        this.sampler = new Thread(this::sample, "tidegate-dispatch-sizer");
        this.sampler.setDaemon(true);
        this.sampler.start();
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
        return offer(publishes, false);
    }

    /**
     * Queues the publishes, all or none.
     *
     * @param callerMayAppend the caller's thread may run the backend's (non-blocking) append and
     *                        the message's callback: a lone CRITICAL publish is then appended here
     *                        when the rules in the class comment allow (gateway-made messages;
     *                        a client's are answered on backend threads, after its tap has run)
     */
    public Offer offer(List<PendingPublish> publishes, boolean callerMayAppend) {
        long now = clock.getAsLong();
        KeyClaimingLanes.Queued alone = null;
        Set<String> aloneKeys = null;
        lock.lock();
        try {
            if (!running) {
                return Offer.CLOSED;
            }
            if (lanes.size() + publishes.size() > capacity) {
                return Offer.FULL;
            }
            if (callerMayAppend && criticalHandoff && !handingOff && publishes.size() == 1) {
                aloneKeys = new HashSet<>(2);
                takeNanos = now;
                alone = lanes.takeAlone(publishes.get(0), now, aloneKeys, recordDelay);
            }
            if (alone != null) {
                handingOff = true;
            } else {
                for (PendingPublish p : publishes) {
                    lanes.add(p, now);
                }
                workAvailable.signal();
                return Offer.QUEUED;
            }
        } finally {
            lock.unlock();
        }
        handedOff.incrementAndGet();
        send(List.of(alone), aloneKeys, true);
        return Offer.QUEUED;
    }

    /** CRITICAL messages appended by the thread that published them ({@code dispatch.critical-handoff}). */
    public long handedOff() {
        return handedOff.get();
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

    /** The most messages one backend append takes now ({@code dispatch.max-batch} until {@link #maxBatch(int)}). */
    public int maxBatch() {
        return maxBatch;
    }

    /** Sets the most messages one backend append takes, from the next batch on; at least 1. */
    public void maxBatch(int messages) {
        if (messages < 1) {
            throw new IllegalArgumentException("max batch must be at least 1, got " + messages);
        }
        maxBatch = messages;
    }

    /** The least messages one lane decision takes from a class (1: each class's {@code dispatch.classes.<class>.batch}). */
    public int classBatchFloor() {
        return classBatchFloor;
    }

    /**
     * Raises every class's batch per lane decision to at least {@code messages}, from the next
     * take on: fewer policy decisions per message, at the cost of a class taking a run of its own
     * before the policy looks again. 1 restores the configured batches.
     */
    public void classBatchFloor(int messages) {
        if (messages < 1) {
            throw new IllegalArgumentException("class batch floor must be at least 1, got " + messages);
        }
        classBatchFloor = messages;
    }

    private void work() {
        List<KeyClaimingLanes.Queued> batch = new ArrayList<>();
        Set<String> keys = new HashSet<>();
        try {
            while (takeBatch(batch, keys)) {
                CompletableFuture<Void> answered = send(List.copyOf(batch), Set.copyOf(keys), false);
                batch.clear();
                keys.clear();
                answered.get();
            }
        } catch (InterruptedException e) {
            // closing: the append's callbacks still run when the backend answers
        } catch (ExecutionException e) {
            log.error("dispatch worker failed", e.getCause());
        }
    }

    /** Waits for a batch; false when this worker is to stop. */
    private boolean takeBatch(List<KeyClaimingLanes.Queued> batch, Set<String> keys) throws InterruptedException {
        lock.lock();
        try {
            while (true) {
                if ((running && live > sizer.target()) || (!running && lanes.size() == 0)) {
                    liveView = --live;
                    if (lanes.hasTakeable()) {
                        workAvailable.signal(); // the signal that woke this surplus worker was meant for work
                    }
                    settled.signalAll();
                    return false;
                }
                takeNanos = clock.getAsLong();
                lanes.take(maxBatch, classBatchFloor, batch, keys, takeNanos, recordDelay);
                if (!batch.isEmpty()) {
                    busyView = ++busy;
                    peakBusy = Math.max(peakBusy, busy);
                    if (lanes.hasTakeable()) {
                        workAvailable.signal(); // let the next idle worker look, too
                    }
                    return true;
                }
                workAvailable.await();
            }
        } finally {
            lock.unlock();
        }
    }

    private void recordDelay(KeyClaimingLanes.Queued q, int level) {
        long waited = takeNanos - q.offeredNanos();
        dispatched.incrementAndGet(level);
        delayTotals.addAndGet(level, waited);
    }

    /** @param handoff appended by the publishing thread, not a worker */
    private CompletableFuture<Void> send(List<KeyClaimingLanes.Queued> batch, Set<String> keys, boolean handoff) {
        List<Envelope> envelopes = new ArrayList<>(batch.size());
        for (KeyClaimingLanes.Queued q : batch) {
            envelopes.add(q.publish().envelope());
        }
        Thread worker = Thread.currentThread();
        long started = clock.getAsLong();
        CompletableFuture<List<AppendResult>> appended;
        try {
            appended = backend.append(envelopes);
        } catch (RuntimeException e) {
            appended = CompletableFuture.failedFuture(e);
        }
        return appended.handle((results, error) -> {
            complete(batch, results, error);
            finish(batch, keys, started, !handoff && Thread.currentThread() == worker, handoff);
            return null;
        });
    }

    /**
     * @param onWorker the append was answered on its worker, which takes the next batch itself
     * @param handoff  the batch was appended by the publishing thread, so no worker was busy with it
     */
    private void finish(List<KeyClaimingLanes.Queued> batch, Set<String> keys, long started, boolean onWorker,
                        boolean handoff) {
        long now = clock.getAsLong();
        lock.lock();
        try {
            if (lanes.release(batch, keys, started, now - started) && !onWorker) {
                workAvailable.signal();
            }
            if (handoff) {
                handingOff = false;
            } else {
                busyView = --busy;
            }
            if (!running) {
                settled.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    private static void complete(List<KeyClaimingLanes.Queued> batch, List<AppendResult> results, Throwable error) {
        for (int i = 0; i < batch.size(); i++) {
            PendingPublish.PublishCallback callback = batch.get(i).publish().callback();
            try {
                AppendResult result = error == null ? results.get(i) : null;
                if (error != null) {
                    callback.onFailed(error);
                } else if (result.refused()) {
                    callback.onFailed(new BackendRefusedException(result.refusal()));
                } else {
                    callback.onAppended(result);
                }
            } catch (RuntimeException e) {
                log.warn("publish callback failed", e);
            }
        }
    }

    private void sample() {
        try {
            while (true) {
                Thread.sleep(sampleMillis);
                lock.lock();
                try {
                    if (!running) {
                        return;
                    }
                    long now = clock.getAsLong();
                    long wait = lanes.takeSlowestLaneWait();
                    for (int level = 0; level < PriorityLevels.LEVELS; level++) {
                        wait = Math.max(wait, lanes.oldestWaitNanos(level, now));
                    }
                    int before = sizer.target();
                    int target = sizer.sample(now, lanes.unparkedSize(), wait, peakBusy);
                    peakBusy = busy;
                    if (target != before) {
                        log.debug("dispatch workers {} -> {} (queued {}, waited {} µs, busy {})",
                                before, target, lanes.unparkedSize(), wait / 1000, busy);
                        resize(target);
                    }
                } finally {
                    lock.unlock();
                }
            }
        } catch (InterruptedException e) {
            // closing
        }
    }

    /** Starts workers up to the target; surplus ones stop when next idle. Caller holds the lock. */
    private void resize(int target) {
        while (live < target) {
            Thread t = new Thread(this::work, "tidegate-dispatch-" + nextWorkerId++);
            t.setDaemon(true);
            liveView = ++live;
            t.start();
        }
        workAvailable.signalAll(); // surplus idle workers stop
    }

    /**
     * Stops taking new publishes and waits until everything queued has been appended and
     * answered, or the timeout passes.
     *
     * @return true when everything queued was flushed
     */
    public boolean drain(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        lock.lock();
        try {
            running = false;
            workAvailable.signalAll();
            sampler.interrupt();
            while (lanes.size() > 0 || busy > 0 || handingOff) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                settled.awaitNanos(left);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Drains for up to 5 s; publishes still queued after that are answered with a failure, so
     * every callback runs once.
     */
    @Override
    public void close() {
        try {
            drain(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<KeyClaimingLanes.Queued> left = new ArrayList<>();
        lock.lock();
        try {
            lanes.removeAll(left);
            workAvailable.signalAll();
        } finally {
            lock.unlock();
        }
        if (!left.isEmpty()) {
            complete(left, null, new IllegalStateException("the gateway closed before the backend took this publish"));
        }
    }

    @Override
    public int workers() {
        return liveView;
    }

    @Override
    public int busyWorkers() {
        return busyView;
    }

    @Override
    public int queueDepth(Priority priority) {
        return queueDepths()[PriorityLevels.levelOf(priority)];
    }

    @Override
    public long dispatched(Priority priority) {
        return dispatched.get(PriorityLevels.levelOf(priority));
    }

    @Override
    public long queueingDelayNanosTotal(Priority priority) {
        return delayTotals.get(PriorityLevels.levelOf(priority));
    }

    @Override
    public long oldestWaitNanos(Priority priority) {
        lock.lock();
        try {
            return lanes.oldestWaitNanos(PriorityLevels.levelOf(priority), clock.getAsLong());
        } finally {
            lock.unlock();
        }
    }

    /** Whether the learned policy of these lanes has fallen back to strict priority (always false for the others). */
    public boolean policyFellBack() {
        lock.lock();
        try {
            return lanes.policy().inner() instanceof io.tidegate.intelligence.scheduling.RewardWatchdog w && w.fallenBack();
        } finally {
            lock.unlock();
        }
    }

    /** The learned policy's reward and its strict shadow's so far, or null for the other policies; for tests. */
    double[] policyRewards() {
        lock.lock();
        try {
            return lanes.policy().inner() instanceof io.tidegate.intelligence.scheduling.RewardWatchdog w
                    ? new double[] {w.earned(), w.shadowEarned()} : null;
        } finally {
            lock.unlock();
        }
    }

    /** Whether a free worker would find something to take now; for tests that wait for the workers to settle. */
    boolean workWaiting() {
        lock.lock();
        try {
            return lanes.hasTakeable();
        } finally {
            lock.unlock();
        }
    }
}
