package io.tidegate.gateway.backend.redis;

import io.tidegate.gateway.backend.EntryId;

/**
 * Where one subscription stands in one topic's stream. Confined to the subscription's read
 * cycle (one step at a time, handed between pool threads through futures), so it needs no lock.
 */
final class TopicCursor {

    /** Reclaim scans start here and report this when they have gone round the whole list. */
    static final String SCAN_START = "0-0";
    /** Own-pending scans start here. */
    static final String OWN_START = "-";

    final String topic;
    final byte[] key;
    /** Which of the subscription's reader connections reads this topic (see {@link RedisConnector#readGroup}). */
    final int readGroup;

    /** BROADCAST: the last id read (delivered or skipped); null until the start cursor is known. */
    EntryId after;

    /**
     * BROADCAST: {@link #after} names an entry the subscriber knows of (one delivered, the
     * position it started after, or the stream's last entry when it started at the latest),
     * rather than a point in time.
     */
    boolean positioned;

    /**
     * BROADCAST: {@link #after} may have fallen behind retention (the subscriber paused, or read
     * less than the stream held); the next read that delivers from this topic checks the stream
     * with XINFO STREAM. Cleared by that check, so a subscriber keeping up pays nothing.
     */
    boolean checkGap = true;

    /**
     * BROADCAST: the number of entries the stream had taken up to and including {@link #after}
     * (Redis's entries-added count), so a hole's size is exact; -1 when not known.
     */
    long ordinal = -1;

    /**
     * BROADCAST: Redis lost its data; before the next read, {@link #after} moves back to the
     * start when the new stream begins at or before it.
     */
    boolean reanchor;

    /** GROUP: the group exists on this stream. */
    boolean groupReady;
    /** GROUP: where the scan of entries still pending under this member's name goes on; null when done. */
    String ownScan = OWN_START;
    /** GROUP: Redis lost its data; the group is created at the stream's start, not the subscription's. */
    boolean groupFromStart;
    /** GROUP: the XAUTOCLAIM cursor. */
    String reclaimScan = SCAN_START;

    TopicCursor(String topic, byte[] key, int readGroup) {
        this.topic = topic;
        this.key = key;
        this.readGroup = readGroup;
    }
}
