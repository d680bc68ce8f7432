package io.tidegate.gateway.regime;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.tidegate.proto.market.v1.RegimeChange;
import io.tidegate.proto.v1.WatchRegimesResponse;
import java.util.ArrayDeque;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The open WatchRegimes streams. Each watcher has its own buffer of at most
 * {@code intelligence.regime.watch-buffer} changes for when its transport is not ready; a watcher that
 * falls further behind is ended with RESOURCE_EXHAUSTED, so a slow or stalled client costs bounded
 * memory and never slows the others or the feed.
 *
 * <p>Threading: {@link #publish} from the regime feed's thread, {@link #watch} from gRPC threads,
 * {@link #startDraining} from the draining thread; each watcher serialises its own writes.
 */
public final class RegimeWatchers {

    private final int buffer;
    private final Set<Watcher> watchers = ConcurrentHashMap.newKeySet();
    private volatile boolean draining;

    /** @param buffer {@code intelligence.regime.watch-buffer} */
    public RegimeWatchers(int buffer) {
        this.buffer = buffer;
    }

    /** Sends the change to every watcher whose filter it passes; never blocks. */
    void publish(RegimeChange change) {
        for (Watcher w : watchers) {
            if (w.wants(change)) {
                w.offer(change);
            }
        }
    }

    /**
     * Opens a watcher of the changes of {@code venue} and {@code symbol}, each empty for any.
     * While draining, ends the call UNAVAILABLE at once.
     */
    void watch(String venue, String symbol, ServerCallStreamObserver<WatchRegimesResponse> out) {
        Watcher w = new Watcher(venue, symbol, out);
        out.setOnCancelHandler(w::cancelled);
        out.setOnReadyHandler(w::flush);
        watchers.add(w);
        if (draining) {
            w.end(draining());
        }
    }

    /** Ends every watcher UNAVAILABLE and refuses new ones. */
    void startDraining() {
        draining = true;
        for (Watcher w : watchers) {
            w.end(draining());
        }
    }

    /** Open watchers. */
    public int count() {
        return watchers.size();
    }

    private static Status draining() {
        return Status.UNAVAILABLE.withDescription("the gateway is shutting down; watch regimes on another replica");
    }

    /** One WatchRegimes stream: its filter, its buffer and its transport; methods synchronized on it. */
    private final class Watcher {
        private final String venue;
        private final String symbol;
        private final ServerCallStreamObserver<WatchRegimesResponse> out;
        private final ArrayDeque<RegimeChange> pending = new ArrayDeque<>();
        private boolean ended;

        Watcher(String venue, String symbol, ServerCallStreamObserver<WatchRegimesResponse> out) {
            this.venue = venue;
            this.symbol = symbol;
            this.out = out;
        }

        boolean wants(RegimeChange c) {
            return (venue.isEmpty() || venue.equals(c.getVenue())) && (symbol.isEmpty() || symbol.equals(c.getSymbol()));
        }

        synchronized void offer(RegimeChange change) {
            if (ended) {
                return;
            }
            if (pending.size() >= buffer) {
                end(Status.RESOURCE_EXHAUSTED.withDescription("this watcher fell " + buffer
                        + " regime changes behind (intelligence.regime.watch-buffer) and was ended; read faster or "
                        + "narrow the venue/symbol filter, call GetRegime to catch up and watch again"));
                return;
            }
            pending.add(change);
            flush();
        }

        synchronized void flush() {
            while (!ended && !pending.isEmpty() && out.isReady()) {
                out.onNext(WatchRegimesResponse.newBuilder().setChange(pending.poll()).build());
            }
        }

        synchronized void end(Status status) {
            if (!ended) {
                ended = true;
                pending.clear();
                watchers.remove(this);
                out.onError(status.asRuntimeException());
            }
        }

        synchronized void cancelled() {
            ended = true;
            pending.clear();
            watchers.remove(this);
        }
    }
}
