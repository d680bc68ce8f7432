package io.tidegate.gateway.resilience;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerOnStateTransitionEvent;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs every state change of a circuit breaker and counts how often each state was entered, for
 * a metrics endpoint to expose as a gauge (current state) and counters (transitions).
 * Thread-safe.
 */
public final class BreakerStateListener {

    private static final Logger log = LoggerFactory.getLogger(BreakerStateListener.class);

    private final String what;
    private final String whenOpen;
    private final Map<CircuitBreaker.State, AtomicLong> entered = new EnumMap<>(CircuitBreaker.State.class);
    private volatile CircuitBreaker.State state = CircuitBreaker.State.CLOSED;
    private volatile long lastTransitionMillis = System.currentTimeMillis();

    /**
     * @param what     what the breaker guards, for log lines ("appends to the redis backend")
     * @param whenOpen what happens while it is open ("appends go to the disk spool")
     */
    BreakerStateListener(String what, String whenOpen) {
        this.what = what;
        this.whenOpen = whenOpen;
        for (CircuitBreaker.State s : CircuitBreaker.State.values()) {
            entered.put(s, new AtomicLong());
        }
    }

    /** Subscribes to the breaker's state transitions. */
    void attach(CircuitBreaker breaker, Runnable onChange) {
        state = breaker.getState();
        breaker.getEventPublisher().onStateTransition(e -> {
            onTransition(e);
            onChange.run();
        });
    }

    private void onTransition(CircuitBreakerOnStateTransitionEvent e) {
        CircuitBreaker.State to = e.getStateTransition().getToState();
        state = to;
        lastTransitionMillis = System.currentTimeMillis();
        entered.get(to).incrementAndGet();
        if (to == CircuitBreaker.State.OPEN || to == CircuitBreaker.State.FORCED_OPEN) {
            log.warn("circuit breaker of {} {}: {}", what, e.getStateTransition(), whenOpen);
        } else {
            log.info("circuit breaker of {} {}", what, e.getStateTransition());
        }
    }

    /** The current state. */
    public CircuitBreaker.State state() {
        return state;
    }

    /** How often the breaker entered {@code s} since start. */
    public long timesEntered(CircuitBreaker.State s) {
        return entered.get(s).get();
    }

    /** Wall-clock time of the last transition (or of start), Unix millis. */
    public long lastTransitionMillis() {
        return lastTransitionMillis;
    }
}
