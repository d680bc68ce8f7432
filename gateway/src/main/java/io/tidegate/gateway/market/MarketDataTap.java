package io.tidegate.gateway.market;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.tidegate.proto.market.v1.InstrumentDefinition;
import io.tidegate.proto.market.v1.OrderBookDeltas;
import io.tidegate.proto.market.v1.QuoteTick;
import io.tidegate.proto.market.v1.TradeTick;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands market messages ({@code data.quotes.<VENUE>.<SYMBOL>}, {@code data.trades.<VENUE>.<SYMBOL>},
 * {@code data.books.<VENUE>.<SYMBOL>} and the venues' listings on {@code data.instruments.<VENUE>})
 * to the {@link MarketDataListener}s: {@link #received} calls the inline
 * listeners on the publishing thread; {@link #stored} puts (topic, payload, time) into a bounded
 * queue that one daemon thread ({@code tidegate-market}) drains, decoding each payload once for
 * every queued listener.
 *
 * <p>Why a queue for most listeners: {@link #stored} runs where the backend answers an append,
 * which for Redis is Lettuce's event loop, and a decode plus a regime update there would delay
 * every other Redis reply. The queue costs that path a prefix check and one offer, which never
 * wakes a thread: the tap thread polls, napping 1 ms when the queue is empty. A full queue skips
 * the message for the queued listeners and counts it ({@link #dropped()}); they are told
 * ({@link MarketDataListener#onSkipped}) after the last message stored before the skip, so state
 * built from a sequence of messages (an order book) is never silently missing one. A payload that does not
 * decode is counted ({@link #malformed()}); the publish has succeeded either way. Without
 * listeners of a kind, that path does nothing (and without queued ones there is no thread).
 *
 * <p>Threading: {@link #received}, {@link #stored} and {@link #runOnTapThread} from any thread, never block.
 */
public final class MarketDataTap implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(MarketDataTap.class);
    private static final String QUOTES = "data.quotes.";
    private static final String TRADES = "data.trades.";
    private static final String BOOKS = "data.books.";
    private static final String INSTRUMENTS = "data.instruments.";
    /** How long the tap thread naps when the queue is empty: the most a message waits for it then. */
    private static final long IDLE_NAP_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final List<MarketDataListener> inline;
    private final List<MarketDataListener> queued;
    private final ArrayBlockingQueue<Stored> queue;
    private final Thread thread;
    /** Work handed to the tap thread ({@link #runOnTapThread}); its callers bound how much they hand it. */
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final LongAdder dropped = new LongAdder();
    /**
     * Held while offering and while draining: a drain then takes every message stored before a skip
     * noted under it (the queue was full from the skip until the drain), so the skip is told after them.
     */
    private final Object offerLock = new Object();
    private boolean skippedSinceDrain;
    private final AtomicLong malformed = new AtomicLong();
    private final AtomicLong listenerFailures = new AtomicLong();
    private volatile boolean running = true;

    /** One stored market message on its way to the tap thread. */
    private record Stored(String topic, ByteString payload, long nanos) {
    }

    /**
     * @param queueCapacity {@code intelligence.tap-queue-capacity}
     */
    public MarketDataTap(Iterable<MarketDataListener> listeners, int queueCapacity) {
        List<MarketDataListener> now = new ArrayList<>();
        List<MarketDataListener> later = new ArrayList<>();
        listeners.forEach(l -> (l.inline() ? now : later).add(l));
        this.inline = List.copyOf(now);
        this.queued = List.copyOf(later);
        if (queued.isEmpty()) {
            this.queue = null;
            this.thread = null;
            return;
        }
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        this.thread = new Thread(this::run, "tidegate-market");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** A tap with no listeners: it does nothing. */
    public static MarketDataTap none() {
        return new MarketDataTap(List.of(), 1);
    }

    /**
     * A publish queued for the backend: the inline listeners get it now, on this thread.
     *
     * @param receivedNanos {@link System#nanoTime()} when the gateway received it
     */
    public void received(String topic, ByteString payload, long receivedNanos) {
        if (!inline.isEmpty() && isMarketTopic(topic)) {
            deliver(inline, topic, payload, receivedNanos);
        }
    }

    /**
     * A message the backend stored (not a duplicate): kept for the queued listeners; never blocks.
     *
     * @param nanos {@link System#nanoTime()} when it was stored
     */
    public void stored(String topic, ByteString payload, long nanos) {
        if (queue == null || !isMarketTopic(topic)) {
            return;
        }
        boolean kept;
        synchronized (offerLock) {
            kept = running && queue.offer(new Stored(topic, payload, nanos));
            skippedSinceDrain |= !kept;
        }
        if (!kept) {
            dropped.increment();
        }
    }

    /**
     * Runs {@code task} on the tap thread, after the messages queued before it, so that a queued
     * listener confined to that thread (the instrument registry) can take input from elsewhere too,
     * such as what it reads from the bus. Never skipped for a full queue: the caller bounds what it
     * hands here (the registry's bus reader has at most 512 listings in flight). Without queued
     * listeners there is no tap thread and it runs at once; after {@link #close} it is dropped.
     * Any thread; never blocks.
     */
    public void runOnTapThread(Runnable task) {
        if (thread == null) {
            task.run();
        } else if (running) {
            tasks.add(task);
        }
    }

    private static boolean isMarketTopic(String topic) {
        return topic.startsWith(QUOTES) || topic.startsWith(TRADES) || topic.startsWith(BOOKS)
                || topic.startsWith(INSTRUMENTS);
    }

    /** Market messages skipped for the queued listeners because the queue was full (or the tap closed). */
    public long dropped() {
        return dropped.sum();
    }

    /**
     * Market messages whose payload did not decode as a QuoteTick / TradeTick / OrderBookDeltas /
     * InstrumentDefinition (once per listener kind).
     */
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
     * a napping one costs the publish path only the queue's lock. It drains everything queued, so
     * that a skip noted at the drain is told after every message stored before it.
     */
    private void run() {
        List<Stored> batch = new ArrayList<>();
        while (running) {
            boolean skipped;
            synchronized (offerLock) {
                queue.drainTo(batch);
                skipped = skippedSinceDrain;
                skippedSinceDrain = false;
            }
            if (batch.isEmpty() && !skipped && tasks.isEmpty()) {
                LockSupport.parkNanos(IDLE_NAP_NANOS);
                continue;
            }
            for (Stored s : batch) {
                deliver(queued, s.topic(), s.payload(), s.nanos());
            }
            batch.clear();
            if (skipped) {
                tellSkipped();
            }
            runTasks();
        }
    }

    /** The tasks handed in so far; one that throws is counted like a failing listener. */
    private void runTasks() {
        for (Runnable task = tasks.poll(); task != null; task = tasks.poll()) {
            try {
                task.run();
            } catch (RuntimeException e) {
                long n = listenerFailures.incrementAndGet();
                if (n == 1 || n % 10_000 == 0) {
                    log.warn("a task on the market-data thread failed ({} failures so far)", n, e);
                }
            }
        }
    }

    private void tellSkipped() {
        for (MarketDataListener l : queued) {
            try {
                l.onSkipped();
            } catch (RuntimeException e) {
                failed(l, "(skipped messages)", e);
            }
        }
    }

    private void deliver(List<MarketDataListener> listeners, String topic, ByteString payload, long nanos) {
        if (topic.startsWith(INSTRUMENTS)) {
            deliverListing(listeners, topic, payload, nanos);
            return;
        }
        int prefix = topic.startsWith(BOOKS) ? BOOKS.length() : QUOTES.length(); // trades: as long as quotes
        int dot = topic.indexOf('.', prefix);
        if (dot <= prefix || dot == topic.length() - 1 || topic.indexOf('.', dot + 1) >= 0) {
            return; // not exactly <VENUE>.<SYMBOL> after the prefix: some other use of the namespace
        }
        String venue = topic.substring(prefix, dot);
        String symbol = topic.substring(dot + 1);
        try {
            if (prefix == BOOKS.length()) {
                OrderBookDeltas book = OrderBookDeltas.parseFrom(payload);
                for (MarketDataListener l : listeners) {
                    try {
                        l.onBook(venue, symbol, book, nanos);
                    } catch (RuntimeException e) {
                        failed(l, topic, e);
                    }
                }
            } else if (topic.startsWith(QUOTES)) {
                QuoteTick quote = QuoteTick.parseFrom(payload);
                for (MarketDataListener l : listeners) {
                    try {
                        l.onQuote(venue, symbol, quote, nanos);
                    } catch (RuntimeException e) {
                        failed(l, topic, e);
                    }
                }
            } else {
                TradeTick trade = TradeTick.parseFrom(payload);
                for (MarketDataListener l : listeners) {
                    try {
                        l.onTrade(venue, symbol, trade, nanos);
                    } catch (RuntimeException e) {
                        failed(l, topic, e);
                    }
                }
            }
        } catch (InvalidProtocolBufferException e) {
            malformed.incrementAndGet();
        }
    }

    /** A listing on {@code data.instruments.<VENUE>} (exactly one segment after the prefix). */
    private void deliverListing(List<MarketDataListener> listeners, String topic, ByteString payload, long nanos) {
        String venue = topic.substring(INSTRUMENTS.length());
        if (venue.isEmpty() || venue.indexOf('.') >= 0) {
            return; // some other use of the namespace
        }
        InstrumentDefinition definition;
        try {
            definition = InstrumentDefinition.parseFrom(payload);
        } catch (InvalidProtocolBufferException e) {
            malformed.incrementAndGet();
            return;
        }
        for (MarketDataListener l : listeners) {
            try {
                l.onInstrument(venue, definition, nanos);
            } catch (RuntimeException e) {
                failed(l, topic, e);
            }
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
