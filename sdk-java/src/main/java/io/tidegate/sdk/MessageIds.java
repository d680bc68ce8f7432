package io.tidegate.sdk;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Makes message ids for publishes that came without one: random (version 4 layout) UUIDs from
 * {@link ThreadLocalRandom}, which is fast without contention; uniqueness only has to hold within
 * the gateway's dedup window. Thread-safe.
 */
final class MessageIds {

    private MessageIds() {
    }

    static String next() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long msb = (r.nextLong() & ~0xF000L) | 0x4000L;
        long lsb = (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(msb, lsb).toString();
    }
}
