package io.tidegate.gateway.resilience;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.github.resilience4j.timelimiter.TimeLimiter;
import io.github.resilience4j.timelimiter.TimeLimiterConfig;
import io.tidegate.gateway.backend.AppendResult;
import io.tidegate.gateway.backend.Backend;
import io.tidegate.gateway.backend.BackendRefusedException;
import io.tidegate.gateway.backend.Envelope;
import io.tidegate.gateway.backend.ForwardingBackend;
import io.tidegate.gateway.config.GatewayConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Backend} decorator that keeps publishes flowing while the backend is down: a
 * Resilience4j {@link CircuitBreaker}, {@link Retry} (exponential backoff with jitter) and
 * {@link TimeLimiter} around {@link #append}, and a {@link DiskSpool} that takes the batches the
 * backend cannot, acknowledges them once durable there ({@link AppendResult#spooled()}) and
 * replays them into the backend, in order, when it is back. Reads ({@link #subscribe}) go
 * straight to the backend, which guards them with its own {@link BreakerReadGuard}.
 *
 * <p>Two modes, switched only by the worker thread, so per-key order holds across them:
 * <ul>
 *   <li><b>direct</b> (normal): each append goes straight to the backend, pipelined (the
 *       dispatcher keeps several batches in flight), under the breaker and the time limit.</li>
 *   <li><b>ordered</b>: entered when a direct append fails, the breaker refuses a call, or the
 *       spool is not empty (also at start, after a crash). New appends queue up behind the failed
 *       ones; once no direct append is in flight, the worker takes them in call order: while the
 *       spool is empty it tries each batch on the backend with retries and spools it if that
 *       fails; while the spool holds anything, batches are appended to the spool (so they stay
 *       behind what is there) and the spool is replayed into the backend whenever the breaker
 *       lets calls through. When the spool and the queue are empty, direct mode resumes.</li>
 * </ul>
 *
 * <p>What this does not promise: a batch that was sent, timed out or lost its connection may
 * still have been stored by the backend, and is then appended again by the retry or the replay;
 * the backend's id dedup removes such doubles for messages with an id (within the dedup window).
 * A batch that reaches the backend while an earlier batch of one of its ordering keys is being
 * retried would break that key's order; it can only happen to a caller with two batches of one key
 * out at once (the ingress dispatcher never has: a key's next batch waits for the answer to its
 * previous one, retry included), and is counted in {@link ResilienceStats#reorderedBatches()}.
 * Batches of other keys may reach the backend meanwhile: no key's order depends on them.
 *
 * <p>Threading: {@link #append} is called from any thread and never blocks on the backend or the
 * disk; futures of direct appends complete on backend threads, the others on the
 * {@code tidegate-resilience} worker.
 */
public final class ResilientBackend extends ForwardingBackend {

    private static final Logger log = LoggerFactory.getLogger(ResilientBackend.class);
    /** How long the worker waits after a failed replay before trying again (the breaker paces it too). */
    private static final long REPLAY_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long CLOSE_TIMEOUT_MILLIS = 30_000;

    private final Backend delegate;
    private final DiskSpool spool;
    private final CircuitBreaker breaker;
    private final Retry retry;
    private final TimeLimiter timeLimiter;
    private final ScheduledExecutorService timer;
    private final BreakerStateListener breakerState;
    private final int replayBatch;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    /** Batches waiting for the worker, by call order. */
    private final TreeMap<Long, Pending> backlog = new TreeMap<>();
    private long nextSeq;
    private boolean direct;
    private int inFlightDirect;
    private boolean closing;
    private boolean closed;
    private final Thread worker;

    private final AtomicLong spooledMessages = new AtomicLong();
    private final AtomicLong replayedMessages = new AtomicLong();
    private final AtomicLong refusedMessages = new AtomicLong();
    private final AtomicLong retriedBatches = new AtomicLong();
    private final AtomicLong reorderedBatches = new AtomicLong();
    /** Why the backend refused the last replay (null once one went through); written by the worker. */
    private volatile String replayRefusal;
    private long replayRefusalLogged;

    /**
     * @param replayBatch most spooled messages replayed in one backend append
     */
    public ResilientBackend(Backend delegate, DiskSpool spool, GatewayConfig.Resilience config, int replayBatch) {
        this.delegate = delegate;
        this.spool = spool;
        this.replayBatch = replayBatch;
        GatewayConfig.Breaker b = config.breaker();
        this.breaker = Breakers.of("backend-" + delegate.name(), b);
        GatewayConfig.Retry r = config.retry();
        this.retry = Retry.of("backend-" + delegate.name(), RetryConfig.custom()
                .maxAttempts(r.maxAttempts())
                .intervalFunction(r.jitter() > 0
                        ? IntervalFunction.ofExponentialRandomBackoff(r.initialBackoff(), r.multiplier(), r.jitter())
                        : IntervalFunction.ofExponentialBackoff(r.initialBackoff(), r.multiplier()))
                .ignoreExceptions(CallNotPermittedException.class, BackendRefusedException.class)
                .build());
        this.timeLimiter = TimeLimiter.of("backend-" + delegate.name(), TimeLimiterConfig.custom()
                .timeoutDuration(config.callTimeout())
                .cancelRunningFuture(true)
                .build());
        this.timer = Executors.newSingleThreadScheduledExecutor(t -> {
            Thread thread = new Thread(t, "tidegate-resilience-timer");
            thread.setDaemon(true);
            return thread;
        });
        this.breakerState = new BreakerStateListener("appends to the " + delegate.name() + " backend",
                "appends go to the disk spool");
        breakerState.attach(breaker, this::wakeWorker);
        this.direct = spool.isEmpty();
        if (!direct) {
            log.warn("the disk spool {} holds {} messages from an earlier run; replaying them into the {} backend "
                    + "before new publishes", spool.dir(), spool.pendingRecords(), delegate.name());
        }
        this.worker = new Thread(this::work, "tidegate-resilience");
        worker.setDaemon(true);
        worker.start();
    }

    private record Pending(long seq, List<Envelope> batch, CompletableFuture<List<AppendResult>> future) {
    }

    @Override
    public CompletableFuture<List<AppendResult>> append(List<Envelope> batch) {
        if (batch.isEmpty()) {
            return CompletableFuture.completedFuture(List.of());
        }
        CompletableFuture<List<AppendResult>> future = new CompletableFuture<>();
        Pending p;
        boolean send = false;
        lock.lock();
        try {
            if (closing) {
                return CompletableFuture.failedFuture(new IllegalStateException("the gateway is shutting down"));
            }
            p = new Pending(nextSeq++, batch, future);
            if (direct && breaker.tryAcquirePermission()) {
                inFlightDirect++;
                send = true;
            } else {
                if (direct) {
                    log.warn("circuit breaker of the {} backend is {}; publishes go through the ordered retry and the disk spool",
                            delegate.name(), breaker.getState());
                }
                direct = false;
                backlog.put(p.seq, p);
                wake.signalAll();
            }
        } finally {
            lock.unlock();
        }
        if (send) {
            sendDirect(p);
        }
        return future;
    }

    private void sendDirect(Pending p) {
        long start = System.nanoTime();
        CompletionStage<List<AppendResult>> stage;
        try {
            // a copy, so the time limit fails our future and never the backend's own
            stage = timeLimiter.executeCompletionStage(timer, () -> delegate.append(p.batch).copy());
        } catch (RuntimeException e) {
            stage = CompletableFuture.failedFuture(e);
        }
        stage.whenComplete((results, error) -> onDirectDone(p, System.nanoTime() - start, results, error));
    }

    private void onDirectDone(Pending p, long tookNanos, List<AppendResult> results, Throwable error) {
        if (error == null) {
            breaker.onSuccess(tookNanos, TimeUnit.NANOSECONDS);
            lock.lock();
            try {
                inFlightDirect--;
                String overtaken = keyRetriedBefore(p);
                if (overtaken != null) {
                    reorderedBatches.incrementAndGet();
                    log.warn("a batch with ordering key '{}' reached the {} backend while an earlier batch of that key "
                            + "is being retried; that key's order is broken between them", overtaken, delegate.name());
                }
                if (!direct) {
                    wake.signalAll();
                }
            } finally {
                lock.unlock();
            }
            p.future.complete(results);
            return;
        }
        Throwable cause = unwrap(error);
        if (cause instanceof BackendRefusedException) {
            // refused, not unreachable: no recovery would take it, so it is neither retried nor spooled
            breaker.releasePermission();
            lock.lock();
            try {
                inFlightDirect--;
                if (!direct) {
                    wake.signalAll();
                }
            } finally {
                lock.unlock();
            }
            p.future.completeExceptionally(cause);
            return;
        }
        breaker.onError(tookNanos, TimeUnit.NANOSECONDS, cause);
        retriedBatches.incrementAndGet();
        lock.lock();
        try {
            if (direct) {
                log.warn("append of {} messages to the {} backend failed ({}); retrying in order, spooling to disk "
                        + "if the backend stays unavailable", p.batch.size(), delegate.name(), cause.toString());
            }
            direct = false;
            inFlightDirect--;
            backlog.put(p.seq, p);
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * An ordering key of {@code p} that an earlier batch still waiting for the ordered retry also
     * has, or null. Batches of other keys overtaking a retried one break no order, and the ingress
     * dispatcher never has two batches of one key out at once. Caller holds the lock; the set is
     * built only while the backlog holds an earlier batch, which is rare.
     */
    private String keyRetriedBefore(Pending p) {
        if (backlog.isEmpty() || backlog.firstKey() > p.seq) {
            return null;
        }
        Set<String> earlierKeys = new HashSet<>();
        for (Pending earlier : backlog.headMap(p.seq).values()) {
            for (Envelope e : earlier.batch) {
                earlierKeys.add(e.orderingKey());
            }
        }
        for (Envelope e : p.batch) {
            if (earlierKeys.contains(e.orderingKey())) {
                return e.orderingKey();
            }
        }
        return null;
    }

    /** The worker: runs the ordered mode (retry, spool, replay) and switches back to direct. */
    private void work() {
        long replayNotBefore = 0;
        while (true) {
            List<Pending> toSpool = null;
            Pending next = null;
            boolean replay = false;
            lock.lock();
            try {
                while (true) {
                    boolean settled = inFlightDirect == 0;
                    if (closing && settled && backlog.isEmpty()) {
                        return;
                    }
                    if (!direct && settled) {
                        if (!spool.isEmpty()) {
                            if (!backlog.isEmpty()) {
                                toSpool = new ArrayList<>(backlog.values());
                                backlog.clear();
                                break;
                            }
                            if (!closing && System.nanoTime() - replayNotBefore >= 0) {
                                replay = true;
                                break;
                            }
                        } else if (!backlog.isEmpty()) {
                            next = backlog.pollFirstEntry().getValue();
                            break;
                        } else {
                            direct = true;
                            log.info("the {} backend takes appends again; the disk spool is empty, direct appends resume",
                                    delegate.name());
                        }
                    }
                    wake.await(50, TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                lock.unlock();
            }
            if (toSpool != null) {
                toSpool.forEach(this::spool);
            } else if (next != null) {
                try {
                    next.future.complete(attempt(next.batch));
                } catch (BackendRefusedException e) {
                    next.future.completeExceptionally(e);
                } catch (Exception e) {
                    spool(next);
                }
            } else if (replay && !replayOnce()) {
                replayNotBefore = System.nanoTime() + REPLAY_PAUSE_NANOS;
            }
        }
    }

    /** One try (with retries) under the breaker and the time limit; blocks. */
    private List<AppendResult> attempt(List<Envelope> batch) throws Exception {
        return retry.executeCallable(() -> breaker.executeCallable(() -> {
            try {
                return timeLimiter.executeFutureSupplier(() -> delegate.append(batch).copy());
            } catch (ExecutionException e) {
                throw e.getCause() instanceof Exception ex ? ex : e;
            }
        }));
    }

    private void spool(Pending p) {
        try {
            spool.append(p.batch);
            spooledMessages.addAndGet(p.batch.size());
            p.future.complete(Collections.nCopies(p.batch.size(), AppendResult.spooledResult()));
        } catch (SpoolFullException e) {
            refusedMessages.addAndGet(p.batch.size());
            log.warn("disk spool full: {} publishes refused with RESOURCE_EXHAUSTED", p.batch.size());
            p.future.completeExceptionally(e);
        } catch (IOException | RuntimeException e) {
            log.error("writing {} publishes to the disk spool {} failed", p.batch.size(), spool.dir(), e);
            p.future.completeExceptionally(e);
        }
    }

    /** Replays one chunk of the spool; false when the backend did not take it. */
    private boolean replayOnce() {
        DiskSpool.Chunk chunk;
        try {
            chunk = spool.read(replayBatch);
        } catch (IOException e) {
            log.error("reading the disk spool {} failed; replay paused", spool.dir(), e);
            return false;
        }
        if (chunk.envelopes().isEmpty()) {
            return true;
        }
        try {
            String refused = refusal(attempt(chunk.envelopes()));
            replayRefusal = refused;
            if (refused != null) {
                // acknowledged publishes are never dropped: the spool waits until the ACL is fixed
                if (replayRefusalLogged++ % 100 == 0) {
                    log.error("replaying the disk spool {} into the {} backend is refused ({}); the spooled messages "
                            + "stay there until it takes them", spool.dir(), delegate.name(), refused);
                }
                return false;
            }
        } catch (CallNotPermittedException e) {
            return false;
        } catch (Exception e) {
            log.debug("replay of {} spooled messages failed: {}", chunk.envelopes().size(), e.toString());
            return false;
        }
        try {
            spool.commit(chunk);
        } catch (IOException e) {
            log.error("committing replayed records of the disk spool {} failed; they may be replayed again", spool.dir(), e);
            return false;
        }
        long replayed = replayedMessages.addAndGet(chunk.envelopes().size());
        if (spool.isEmpty()) {
            log.info("disk spool replayed into the {} backend ({} messages replayed since start)", delegate.name(), replayed);
        }
        return true;
    }

    /** The first refusal among {@code results}, or null when the backend took them all. */
    private static String refusal(List<AppendResult> results) {
        for (AppendResult r : results) {
            if (r.refused()) {
                return r.refusal();
            }
        }
        return null;
    }

    private void wakeWorker() {
        lock.lock();
        try {
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private static Throwable unwrap(Throwable t) {
        Throwable c = t;
        while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }

    @Override
    protected Backend delegate() {
        return delegate;
    }

    /** Ready while the backend is, and also while it is not but the spool takes publishes. */
    @Override
    public boolean isReady() {
        return !closed && (delegate.isReady() || spool.bytes() < spool.maxBytes());
    }

    /**
     * Asks the backend's connection, not just the breaker: a gateway that has not reached the
     * backend (or lost it) while nothing is published says so at once, and says nothing again
     * once it is back and the spool is replayed.
     */
    @Override
    public String degradedReason() {
        long pending = spool.pendingRecords();
        if (!delegate.isReady()) {
            String why = delegate.degradedReason();
            return "backend unreachable, spooling publishes (" + (why == null ? "the " + delegate.name()
                    + " connection is down" : why.replaceAll("\\s+", " ")) + "; " + pending + " messages ("
                    + spool.bytes() + " bytes) in the disk spool)";
        }
        boolean ordered;
        lock.lock();
        try {
            ordered = !direct;
        } finally {
            lock.unlock();
        }
        if (!ordered && pending == 0) {
            return null;
        }
        String refused = replayRefusal;
        return "spooling: the " + delegate.name() + " backend is reachable but " + (refused != null
                ? "refuses the replay (" + refused + ")" : "failing appends or catching up") + " (breaker "
                + breaker.getState() + "); " + pending + " messages (" + spool.bytes() + " bytes) in the disk spool "
                + "waiting for replay";
    }

    @Override
    public java.util.Map<String, String> breakerStates() {
        java.util.Map<String, String> states = new java.util.TreeMap<>(delegate.breakerStates());
        states.put("append", breaker.getState().name().toLowerCase(java.util.Locale.ROOT));
        return states;
    }

    /** What the layer did since start. */
    public ResilienceStats stats() {
        return new ResilienceStats(breaker.getState().name(), breakerState.timesEntered(CircuitBreaker.State.OPEN),
                spooledMessages.get(), replayedMessages.get(), refusedMessages.get(), retriedBatches.get(),
                reorderedBatches.get(), spool.pendingRecords(), spool.bytes());
    }

    /** Breaker state and transition counts, for metrics. */
    public BreakerStateListener breakerState() {
        return breakerState;
    }

    /** The breaker, for tests and metrics. */
    CircuitBreaker breaker() {
        return breaker;
    }

    /**
     * Settles every accepted append (on the backend or in the spool), closes the spool (what is
     * left in it is replayed at the next start) and the backend.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closing = true;
            wake.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            worker.join(CLOSE_TIMEOUT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (worker.isAlive()) {
            log.warn("appends still unsettled after {} ms; closing anyway", CLOSE_TIMEOUT_MILLIS);
            worker.interrupt();
        }
        closed = true;
        long left = spool.pendingRecords();
        if (left > 0) {
            log.warn("{} messages stay in the disk spool {}; they are replayed when a gateway starts on it again",
                    left, spool.dir());
        }
        spool.close();
        timer.shutdownNow();
        delegate.close();
        log.info("resilience layer closed: {}", stats());
    }
}
