package io.tidegate.gateway.regime;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.tidegate.gateway.server.AttachedService;
import io.tidegate.intelligence.regime.RegimeBook;
import io.tidegate.proto.v1.GetRegimeRequest;
import io.tidegate.proto.v1.GetRegimeResponse;
import io.tidegate.proto.v1.IntelligenceServiceGrpc;
import io.tidegate.proto.v1.WatchRegimesRequest;
import io.tidegate.proto.v1.WatchRegimesResponse;

/**
 * {@code tidegate.v1.IntelligenceService}: GetRegime answers from the {@link RegimeBook}, WatchRegimes
 * streams the changes through {@link RegimeWatchers}. With {@code intelligence.regime.enabled = false}
 * both answer FAILED_PRECONDITION saying so.
 *
 * <p>Threading: called on gRPC's threads; the book and the watchers are thread-safe.
 */
public final class IntelligenceGrpcService extends IntelligenceServiceGrpc.IntelligenceServiceImplBase
        implements AttachedService {

    private final RegimeBook book;
    private final RegimeWatchers watchers;
    private final boolean enabled;

    /** @param enabled {@code intelligence.regime.enabled} */
    public IntelligenceGrpcService(RegimeBook book, RegimeWatchers watchers, boolean enabled) {
        this.book = book;
        this.watchers = watchers;
        this.enabled = enabled;
    }

    @Override
    public void getRegime(GetRegimeRequest request, StreamObserver<GetRegimeResponse> out) {
        if (!enabled) {
            out.onError(off());
            return;
        }
        if (request.getVenue().isEmpty() || request.getSymbol().isEmpty()) {
            out.onError(Status.INVALID_ARGUMENT.withDescription(
                    "venue and symbol are both required, as in data.quotes.<VENUE>.<SYMBOL>; got venue \""
                            + request.getVenue() + "\", symbol \"" + request.getSymbol() + "\"").asRuntimeException());
            return;
        }
        book.regime(request.getVenue(), request.getSymbol()).ifPresentOrElse(
                change -> {
                    out.onNext(GetRegimeResponse.newBuilder().setRegime(RegimeWire.toProto(change)).build());
                    out.onCompleted();
                },
                () -> out.onError(Status.NOT_FOUND.withDescription("no regime yet for " + request.getVenue() + "."
                        + request.getSymbol() + ": the gateway has not seen quotes on data.quotes." + request.getVenue()
                        + "." + request.getSymbol() + ", or is still learning the instrument's normal (its first 500 "
                        + "quotes)").asRuntimeException()));
    }

    @Override
    public void watchRegimes(WatchRegimesRequest request, StreamObserver<WatchRegimesResponse> out) {
        if (!enabled) {
            out.onError(off());
            return;
        }
        watchers.watch(request.getVenue(), request.getSymbol(), (ServerCallStreamObserver<WatchRegimesResponse>) out);
    }

    @Override
    public void startDraining() {
        watchers.startDraining();
    }

    private static RuntimeException off() {
        return Status.FAILED_PRECONDITION.withDescription(
                "regime detection is off on this gateway (intelligence.regime.enabled = false)").asRuntimeException();
    }
}
