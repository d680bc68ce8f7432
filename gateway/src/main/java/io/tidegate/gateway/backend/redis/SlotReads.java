package io.tidegate.gateway.backend.redis;

import io.lettuce.core.Consumer;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.cluster.SlotHash;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Non-blocking XREADs and XREADGROUPs on a shared connection over streams of any slots: one
 * command on standalone Redis, one per slot on Redis Cluster (a command may only name keys of one slot;
 * every key of a topic shares its slot, so it is one per topic at most), replies joined in
 * the order of the slots. Thread-safe, like the connection.
 */
final class SlotReads {

    private final SharedConnection connection;

    SlotReads(SharedConnection connection) {
        this.connection = connection;
    }

    /** {@code XREAD COUNT count} after each offset; an empty list when nothing is there. */
    CompletableFuture<List<StreamMessage<byte[], byte[]>>> read(int count, XReadArgs.StreamOffset<byte[]>[] offsets) {
        XReadArgs args = XReadArgs.Builder.count(count);
        return perSlot(offsets, slotOffsets -> connection.async().xread(args, slotOffsets));
    }

    /**
     * {@code XREADGROUP COUNT count} of {@code consumer} after each offset (without BLOCK); an
     * empty list when nothing is there.
     */
    CompletableFuture<List<StreamMessage<byte[], byte[]>>> readGroup(Consumer<byte[]> consumer, int count,
                                                                     XReadArgs.StreamOffset<byte[]>[] offsets) {
        XReadArgs args = XReadArgs.Builder.count(count);
        return perSlot(offsets, slotOffsets -> connection.async().xreadgroup(consumer, args, slotOffsets));
    }

    private CompletableFuture<List<StreamMessage<byte[], byte[]>>> perSlot(XReadArgs.StreamOffset<byte[]>[] offsets,
            Function<XReadArgs.StreamOffset<byte[]>[], RedisFuture<List<StreamMessage<byte[], byte[]>>>> command) {
        if (!connection.isCluster() || offsets.length == 1) {
            return command.apply(offsets).toCompletableFuture().thenApply(SlotReads::orEmpty);
        }
        Map<Integer, List<XReadArgs.StreamOffset<byte[]>>> bySlot = new LinkedHashMap<>();
        for (XReadArgs.StreamOffset<byte[]> o : offsets) {
            bySlot.computeIfAbsent(SlotHash.getSlot(o.getName()), s -> new ArrayList<>()).add(o);
        }
        List<CompletableFuture<List<StreamMessage<byte[], byte[]>>>> replies = new ArrayList<>(bySlot.size());
        for (List<XReadArgs.StreamOffset<byte[]>> group : bySlot.values()) {
            XReadArgs.StreamOffset<byte[]>[] slotOffsets = RedisSubscription.offsetArray(group.size());
            replies.add(command.apply(group.toArray(slotOffsets)).toCompletableFuture());
        }
        return CompletableFuture.allOf(replies.toArray(CompletableFuture[]::new)).thenApply(ignored -> {
            List<StreamMessage<byte[], byte[]>> all = new ArrayList<>();
            for (CompletableFuture<List<StreamMessage<byte[], byte[]>>> r : replies) {
                all.addAll(orEmpty(r.join()));
            }
            return all;
        });
    }

    private static List<StreamMessage<byte[], byte[]>> orEmpty(List<StreamMessage<byte[], byte[]>> got) {
        return got == null ? List.of() : got;
    }
}
