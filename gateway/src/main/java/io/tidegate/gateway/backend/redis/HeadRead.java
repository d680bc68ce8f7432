package io.tidegate.gateway.backend.redis;

import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * How a {@link SharedStreamReader} waits at the head of its topics for new entries: with one
 * blocking XREAD on a reader connection of its own ({@link BlockingHeadRead}, standalone Redis),
 * or, on Redis Cluster where one XREAD may only name streams of one slot, for a wake-up on the
 * topics' wake channels followed by non-blocking XREADs on the shared connection ({@link
 * WokenHeadRead}). The reader's fan-out, cursors and catch-up do not depend on which.
 *
 * <p>Threading: one read at a time, driven by the reader's loop; {@link Attempt#wake} from any
 * thread. Implementations never block.
 */
interface HeadRead {

    /** Starts an attempt; called under the reader's lock with the snapshot it reads, so no I/O. */
    Attempt begin();

    /**
     * Reads the entries after {@code offsets}, waiting up to the block time for some to come;
     * empty when none came or the attempt was woken.
     *
     * @param following every topic the reader follows now, {@code offsets}' and those kept a round without waits
     */
    CompletableFuture<List<StreamMessage<byte[], byte[]>>> read(Attempt attempt, List<String> following,
                                                                XReadArgs.StreamOffset<byte[]>[] offsets);

    /** The reader has no topics left to read: lets go of what it waits on. */
    void idle();

    /** A read failed: drops a broken connection, so the next read opens a fresh one. */
    void failed();

    /** The read-loop watchdog found the reader stuck: abandons the read in flight. */
    void restart();

    /** The reader closes: lets go of the read in flight and what it holds, as {@link #restart} does. */
    default void close() {
        restart();
    }

    /** One read of the loop; {@link #wake} ends its wait early (a new topic, a cursor moved back). */
    abstract class Attempt {
        volatile boolean done;

        abstract void wake();
    }
}
