package io.tidegate.gateway.backend.redis;

import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.tidegate.gateway.backend.DeliverySink;
import io.tidegate.gateway.backend.EntryId;
import io.tidegate.gateway.backend.StoredMessage;
import io.tidegate.gateway.backend.StreamPosition;
import io.tidegate.gateway.backend.SubscriptionSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A BROADCAST subscription: XREAD over its topics' streams with its own cursor per topic, kept
 * in gateway memory (Redis keeps nothing per broadcast subscriber, so a thousand subscribers
 * cost Redis nothing but their reads).
 *
 * <p>XREAD's COUNT applies per stream, so a read over many streams can return more than the
 * demand; the surplus is simply not delivered and the cursors stay before it, so the next read
 * fetches it again. Per topic, what is delivered is always a prefix of what was read, so order
 * holds. Threading: see {@link RedisSubscription}; ack, nack and deadline calls do nothing.
 */
final class BroadcastSubscription extends RedisSubscription {

    private static final Logger LOG = LoggerFactory.getLogger(BroadcastSubscription.class);

    BroadcastSubscription(SubscriptionSpec spec, DeliverySink sink, SubscriptionContext ctx) {
        super(spec, sink, ctx);
    }

    @Override
    protected CompletableFuture<Void> cycle(List<TopicCursor> topics, long demand, StartCursors cursors) {
        Map<String, TopicCursor> byKey = new HashMap<>();
        for (TopicCursor t : topics) {
            if (t.after == null) {
                t.after = cursors.readAfter(t.topic);
            }
            byKey.put(RedisKeys.string(t.key), t);
        }
        int count = countPerStream(demand, topics.size());
        return reanchor(topics).thenCompose(ignored -> readStreams(topics, (reader, group, block) -> {
            XReadArgs.StreamOffset<byte[]>[] offsets = offsetArray(group.size());
            for (int i = 0; i < group.size(); i++) {
                offsets[i] = XReadArgs.StreamOffset.from(group.get(i).key, group.get(i).after.toString());
            }
            XReadArgs args = block ? XReadArgs.Builder.block(ctx.blockTimeout()).count(count) : XReadArgs.Builder.count(count);
            return reader.redis().xread(args, offsets).toCompletableFuture();
        })).thenAccept(read -> {
                    if (read != null && !read.isEmpty() && !isClosed()) {
                        deliver(take(read, byKey, demand));
                    }
                });
    }

    @Override
    protected void onBackendReset(List<TopicCursor> topics) {
        topics.forEach(t -> t.reanchor = true);
    }

    /**
     * After Redis lost its data: a cursor at or past the first entry of the new stream would
     * skip entries (or wait until new ids pass the old ones), so it moves back to the start.
     * A cursor before the new stream's first entry stays, so what was already read of the new
     * stream is not sent again.
     */
    private CompletableFuture<Void> reanchor(List<TopicCursor> topics) {
        List<CompletableFuture<Void>> moves = new ArrayList<>();
        for (TopicCursor t : topics) {
            if (!t.reanchor) {
                continue;
            }
            moves.add(reader(t).redis().xrange(t.key, Range.create("-", "+"), Limit.from(1)).toCompletableFuture()
                    .thenAccept(first -> {
                        if (first.isEmpty() || EntryId.parse(first.get(0).getId()).compareTo(t.after) <= 0) {
                            LOG.info("subscription {}: reading {} again from the start of its stream after Redis "
                                    + "lost its data", spec.key(), t.topic);
                            t.after = EntryId.MIN;
                        }
                        t.reanchor = false;
                    }));
        }
        return CompletableFuture.allOf(moves.toArray(CompletableFuture[]::new));
    }

    /** Decodes up to {@code demand} entries, moving each topic's cursor past what it took. */
    private List<StoredMessage> take(List<StreamMessage<byte[], byte[]>> read, Map<String, TopicCursor> byKey,
                                     long demand) {
        List<StoredMessage> out = new ArrayList<>((int) Math.min(read.size(), demand));
        for (StreamMessage<byte[], byte[]> entry : read) {
            if (out.size() >= demand) {
                break;
            }
            TopicCursor t = byKey.get(RedisKeys.string(entry.getStream()));
            if (t == null) {
                continue;
            }
            t.after = EntryId.parse(entry.getId());
            try {
                out.add(StreamEntryCodec.decode(t.topic, entry.getId(), entry.getBody(), 1));
            } catch (StreamEntryCodec.MalformedEntryException e) {
                LOG.warn("subscription {}: skipping {}", spec.key(), e.getMessage());
            }
        }
        return out;
    }

    @Override
    public void ack(Collection<StreamPosition> positions) {
        // Broadcast deliveries are not tracked; nothing to settle.
    }

    @Override
    public void nack(Collection<StreamPosition> positions, Duration delay) {
        // A broadcast subscriber re-reads by resubscribing from a position.
    }

    @Override
    public void extendDeadline(Collection<StreamPosition> positions, Duration extension) {
        // Broadcast deliveries have no deadline.
    }
}
