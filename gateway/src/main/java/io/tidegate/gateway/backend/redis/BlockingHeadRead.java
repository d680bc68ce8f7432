package io.tidegate.gateway.backend.redis;

import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntSupplier;

/**
 * A shared reader's wait on standalone Redis: one {@code XREAD BLOCK} over all its topics on a
 * reader connection of its own, ended early with CLIENT UNBLOCK from the control connection.
 * Threading: see {@link HeadRead}.
 */
final class BlockingHeadRead implements HeadRead {

    private static final int UNBLOCK_ATTEMPTS = 50;
    private static final long UNBLOCK_RETRY_MILLIS = 2;

    private final String name;
    private final RedisConnector connector;
    private final SharedConnection control;
    private final ScheduledExecutorService executor;
    private final Duration block;
    /** Read at each XREAD: the tuning controller may move it. */
    private final IntSupplier count;
    /** Changed only by the read loop; read by close. */
    private volatile ReaderConnection connection;

    BlockingHeadRead(String name, RedisConnector connector, SharedConnection control, ScheduledExecutorService executor,
                     Duration block, IntSupplier count) {
        this.name = name;
        this.connector = connector;
        this.control = control;
        this.executor = executor;
        this.block = block;
        this.count = count;
    }

    @Override
    public Attempt begin() {
        return new Blocked();
    }

    @Override
    public CompletableFuture<List<StreamMessage<byte[], byte[]>>> read(Attempt attempt, List<String> following,
                                                                       XReadArgs.StreamOffset<byte[]>[] offsets) {
        Blocked read = (Blocked) attempt;
        try {
            return connected().thenCompose(c -> {
                read.connection = c;
                return c.redis().xread(XReadArgs.Builder.block(block).count(count.getAsInt()), offsets).toCompletableFuture();
            });
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public void idle() {
        // the connection stays open for the next topic
    }

    @Override
    public void failed() {
        ReaderConnection c = connection;
        if (c != null && !c.isOpen()) {
            c.close();
            connection = null;
        }
    }

    /** Closes the reader connection: the read in flight fails and the loop reads on a fresh one. */
    @Override
    public void restart() {
        ReaderConnection c = connection;
        if (c != null) {
            c.close();
        }
    }

    private CompletableFuture<ReaderConnection> connected() {
        ReaderConnection c = connection;
        if (c != null && c.isOpen()) {
            return CompletableFuture.completedFuture(c);
        }
        if (c != null) {
            c.close();
            connection = null;
        }
        return ReaderConnection.open(connector, control, name, connector.readGroup(new byte[0])).thenApply(fresh -> {
            connection = fresh;
            return fresh;
        });
    }

    /** One blocking read in flight. */
    private final class Blocked extends Attempt {
        volatile ReaderConnection connection;
        final AtomicBoolean unblocking = new AtomicBoolean();

        @Override
        void wake() {
            if (!done && unblocking.compareAndSet(false, true)) {
                unblock(UNBLOCK_ATTEMPTS);
            }
        }

        /** CLIENT UNBLOCK finds nothing while the read is still on its way; tries again briefly. */
        private void unblock(int attemptsLeft) {
            ReaderConnection c = connection;
            if (c == null) {
                if (attemptsLeft > 1 && !done) {
                    executor.schedule(() -> unblock(attemptsLeft - 1), UNBLOCK_RETRY_MILLIS, TimeUnit.MILLISECONDS);
                }
                return;
            }
            c.unblock().whenComplete((unblocked, error) -> {
                if (error == null && unblocked == 0 && attemptsLeft > 1 && !done) {
                    executor.schedule(() -> unblock(attemptsLeft - 1), UNBLOCK_RETRY_MILLIS, TimeUnit.MILLISECONDS);
                }
            });
        }
    }
}
