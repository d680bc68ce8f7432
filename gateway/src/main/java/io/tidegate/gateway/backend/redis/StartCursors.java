package io.tidegate.gateway.backend.redis;

import io.tidegate.gateway.backend.EntryId;
import io.tidegate.gateway.backend.StartAt;
import java.util.Map;

/**
 * Turns a subscription's {@link StartAt} into the id a reader passes to XREAD (or XGROUP CREATE)
 * for a topic: the id just before the first entry to deliver, because Redis reads strictly after
 * the given id.
 *
 * <p>"Latest" is not Redis's {@code $}: {@code $} is resolved when the read reaches Redis, which
 * can be after an append made once {@code subscribe()} had returned, and that message would be
 * lost. Instead it is the {@link Fence}: the last entry id of each topic known at subscribe time,
 * read on the writer connection, so it falls exactly between the appends dispatched before
 * {@code subscribe()} and those after it. A topic the subscription only learns about later (a
 * pattern match created meanwhile, or by another replica) starts at the fence's clock instead:
 * entries in the same millisecond just before the fence are the only ones that can slip in.
 * Immutable; thread-safe.
 */
final class StartCursors {

    private final StartAt start;
    private final Fence fence;

    StartCursors(StartAt start, Fence fence) {
        this.start = start;
        this.fence = fence;
    }

    /** The id to read after for {@code topic}. */
    EntryId readAfter(String topic) {
        EntryId first = start.firstIdFor(topic);
        if (first != null) {
            return before(first);
        }
        EntryId last = fence.lastIds().get(topic);
        return last != null ? last : before(new EntryId(fence.millis(), 0));
    }

    /**
     * True when {@link #readAfter} names an entry rather than a point in time: the position the
     * subscriber asked to start after, or the stream's last entry when it starts at the latest.
     */
    boolean namesEntry(String topic) {
        if (start.kind() == StartAt.Kind.POSITION && start.after().containsKey(topic)) {
            return true;
        }
        if (start.firstIdFor(topic) != null) {
            return false;
        }
        EntryId last = fence.lastIds().get(topic);
        return last != null && !last.equals(EntryId.MIN);
    }

    /** The ordinal of the entry {@link #readAfter} names (see {@link TopicCursor#ordinal}); -1 when not known. */
    long ordinalAfter(String topic) {
        if (start.firstIdFor(topic) != null) {
            return -1;
        }
        Long ordinal = fence.ordinals().get(topic);
        return ordinal != null && fence.lastIds().containsKey(topic) ? ordinal : -1;
    }

    /** The largest id below {@code first}; {@code 0-0} stays {@code 0-0}, which Redis never assigns. */
    static EntryId before(EntryId first) {
        if (first.seq() > 0) {
            return new EntryId(first.millis(), first.seq() - 1);
        }
        if (first.millis() > 0) {
            return new EntryId(first.millis() - 1, Long.MAX_VALUE);
        }
        return EntryId.MIN;
    }

    /**
     * The point in the writer's command stream where a subscription starts.
     *
     * @param millis  the earlier of this gateway's clock at {@code subscribe()} and Redis's clock
     *                at the fence, so appends that Redis timestamps after it are not missed
     * @param lastIds per topic asked about, its last entry id then ({@code 0-0} when empty)
     * @param ordinals per topic asked about, how many entries it had taken then (Redis's
     *                 entries-added; -1 before Redis 7)
     */
    record Fence(long millis, Map<String, EntryId> lastIds, Map<String, Long> ordinals) {

        Fence {
            lastIds = Map.copyOf(lastIds);
            ordinals = Map.copyOf(ordinals);
        }
    }
}
