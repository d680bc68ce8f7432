package io.tidegate.gateway.market;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.tidegate.proto.market.v1.QuoteTick;
import io.tidegate.proto.market.v1.TradeTick;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands accepted market messages to the {@link MarketDataListener}s. The publish path only checks the
 * topic and puts (topic, payload, time) into a bounded queue; one daemon thread ({@code tidegate-market})
 * parses the topic, decodes the payload once and calls every listener.
 *
 * <p>Why a queue and not inline: {@link #accepted} runs where the backend answers an append, which for
 * Redis is Lettuce's event loop, and a decode plus a regime update costs a few hundred nanoseconds per
 * message that every other Redis reply would wait behind. One thread is also what the listeners need:
 * one writer per instrument (the regime book's rule) and cross-instrument state without locks. The cost
 * left on the publish path is a prefix check and, for market topics, one queue offer (which never wakes a
 * thread: the tap thread polls, napping 1 ms when the queue is empty). When the queue is
 * full the message is skipped for the listeners and counted ({@link #dropped()}); the publish has already
 * succeeded. A payload that does not decode is counted ({@link #malformed()}) and skipped. With no
 * listeners the tap is inert: no thread, no queue.
 *
 * <p>Threading: {@link #accepted} from any thread, never blocks; counters from any thread.
 */
public final class MarketDataTap implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(MarketDataTap.class);
    private static final String QUOTES = "data.quotes.";
    private static final String TRADES = "data.trades.";
    /** Both prefixes have this length, which is where the venue starts. */
    private static final int PREFIX = QUOTES.length();
    private static final int DRAIN_BATCH = 256;
    /** How long the tap thread naps when the queue is empty: the most a message waits for it then. */
    private static final long IDLE_NAP_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final List<MarketDataListener> listeners;
    private final ArrayBlockingQueue<Accepted> queue;
    private final Thread thread;
    private final LongAdder dropped = new LongAdder();
    private final AtomicLong malformed = new AtomicLong();
    private final AtomicLong listenerFailures = new AtomicLong();
    private volatile boolean running = true;

    /** One accepted market message on its way to the tap thread. */
    private record Accepted(String topic, ByteString payload, long receivedNanos) {
    }

    /**
     * @param queueCapacity {@code intelligence.tap-queue-capacity}
     */
    public MarketDataTap(Iterable<MarketDataListener> listeners, int queueCapacity) {
        List<MarketDataListener> all = new ArrayList<>();
        listeners.forEach(all::add);
        this.listeners = List.copyOf(all);
        if (this.listeners.isEmpty()) {
            this.queue = null;
            this.thread = null;
            return;
        }
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        this.thread = new Thread(this::run, "tidegate-market");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** A tap with no listeners: {@link #accepted} does nothing. */
    public static MarketDataTap inert() {
        return new MarketDataTap(List.of(), 1);
    }

    /**
     * A message the backend stored (not a duplicate). Keeps it for the listeners if its topic is
     * {@code data.quotes.<VENUE>.<SYMBOL>} or {@code data.trades.<VENUE>.<SYMBOL>}; never blocks.
     *
     * @param receivedNanos when the gateway accepted the publish, Unix nanoseconds
     */
    public void accepted(String topic, ByteString payload, long receivedNanos) {
        if (queue == null || !isMarketTopic(topic)) {
            return;
        }
        if (!running || !queue.offer(new Accepted(topic, payload, receivedNanos))) {
            dropped.increment();
        }
    }

    private static boolean isMarketTopic(String topic) {
        return topic.startsWith(QUOTES) || topic.startsWith(TRADES);
    }

    /** Market messages skipped because the queue was full (or the tap closed). */
    public long dropped() {
        return dropped.sum();
    }

    /** Market messages whose payload did not decode as a QuoteTick / TradeTick. */
    public long malformed() {
        return malformed.get();
    }

    /** Calls of a listener that threw; the message still went to the other listeners. */
    public long listenerFailures() {
        return listenerFailures.get();
    }

    /**
     * Drains the queue in batches and naps when it is empty instead of waiting in {@code take()}: a
     * consumer blocked in {@code take()} must be woken by every offer (a futex call and a context
     * switch per message on the publish path, which measured as several µs of CPU per quote), while
     * a napping one costs the publish path only the queue's lock.
     */
    private void run() {
        List<Accepted> batch = new ArrayList<>(DRAIN_BATCH);
        while (running) {
            if (queue.drainTo(batch, DRAIN_BATCH) == 0) {
                LockSupport.parkNanos(IDLE_NAP_NANOS);
                continue;
            }
            for (Accepted a : batch) {
                deliver(a);
            }
            batch.clear();
        }
    }

    private void deliver(Accepted a) {
        String topic = a.topic();
        int dot = topic.indexOf('.', PREFIX);
        if (dot <= PREFIX || dot == topic.length() - 1 || topic.indexOf('.', dot + 1) >= 0) {
            return; // not exactly <VENUE>.<SYMBOL> after the prefix: some other use of the namespace
        }
        String venue = topic.substring(PREFIX, dot);
        String symbol = topic.substring(dot + 1);
        try {
            if (topic.startsWith(QUOTES)) {
                QuoteTick quote = QuoteTick.parseFrom(a.payload());
                for (MarketDataListener l : listeners) {
                    try {
                        l.onQuote(venue, symbol, quote, a.receivedNanos());
                    } catch (RuntimeException e) {
                        failed(l, topic, e);
                    }
                }
            } else {
                TradeTick trade = TradeTick.parseFrom(a.payload());
                for (MarketDataListener l : listeners) {
                    try {
                        l.onTrade(venue, symbol, trade, a.receivedNanos());
                    } catch (RuntimeException e) {
                        failed(l, topic, e);
                    }
                }
            }
        } catch (InvalidProtocolBufferException e) {
            malformed.incrementAndGet();
        }
    }

    private void failed(MarketDataListener listener, String topic, RuntimeException e) {
        // the first failure with its stack, then one line per 10,000 so a bug cannot flood the log
        long n = listenerFailures.incrementAndGet();
        if (n == 1) {
            log.warn("market listener {} failed on {}; the other listeners go on", listener.getClass().getSimpleName(), topic, e);
        } else if (n % 10_000 == 0) {
            log.warn("market listeners have failed {} times; last: {} on {}: {}", n,
                    listener.getClass().getSimpleName(), topic, e.toString());
        }
    }

    /** Stops the thread; messages still queued are not delivered. */
    @Override
    public void close() {
        running = false;
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
