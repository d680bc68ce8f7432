package io.tidegate.gateway.instruments;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.tidegate.gateway.server.AttachedService;
import io.tidegate.intelligence.instrument.Identification;
import io.tidegate.intelligence.instrument.InstrumentCatalog;
import io.tidegate.intelligence.instrument.InstrumentKey;
import io.tidegate.intelligence.instrument.Listing;
import io.tidegate.intelligence.instrument.Segment;
import io.tidegate.proto.v1.EquivalentsRequest;
import io.tidegate.proto.v1.EquivalentsResponse;
import io.tidegate.proto.v1.InstrumentsServiceGrpc;
import io.tidegate.proto.v1.ListedMarket;
import io.tidegate.proto.v1.ResolutionSource;
import io.tidegate.proto.v1.ResolveRequest;
import io.tidegate.proto.v1.ResolveResponse;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * {@code tidegate.v1.InstrumentsService}: answers Resolve and Equivalents from the
 * {@link InstrumentCatalog}. Bad input gets INVALID_ARGUMENT saying what to send; an id neither a
 * listing nor a rule can read gets NOT_FOUND. Thread-safe; each call is a few map lookups and, for
 * an unlisted id, one run of the naming rules. Attached to the gateway's port
 * ({@link AttachedService}).
 */
public final class InstrumentsGrpcService extends InstrumentsServiceGrpc.InstrumentsServiceImplBase
        implements AttachedService {

    private static final Pattern VENUE = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final Pattern NATIVE_ID = Pattern.compile("[\\x21-\\x7E]{1,64}");
    private static final int MAX_KEY = 128;

    private final InstrumentCatalog catalog;

    public InstrumentsGrpcService(InstrumentCatalog catalog) {
        this.catalog = catalog;
    }

    /** Nothing to end: every call is unary and answered at once, so a draining gateway still answers it. */
    @Override
    public void startDraining() {
    }

    @Override
    public void resolve(ResolveRequest request, StreamObserver<ResolveResponse> response) {
        String problem = problem(request);
        if (problem != null) {
            response.onError(Status.INVALID_ARGUMENT.withDescription(problem).asRuntimeException());
            return;
        }
        Optional<Identification> found = catalog.identify(request.getVenue(), request.getSegment(), request.getNativeId());
        if (found.isEmpty()) {
            String venue = request.getVenue().toUpperCase(Locale.ROOT);
            response.onError(Status.NOT_FOUND.withDescription("no " + venue + " listing names " + request.getSegment()
                    + " '" + request.getNativeId() + "' and the naming rules cannot read it; publish the venue's "
                    + "listing (InstrumentDefinition) on data.instruments." + venue).asRuntimeException());
            return;
        }
        Identification id = found.get();
        response.onNext(ResolveResponse.newBuilder()
                .setKey(id.key().toString())
                .setConfidence(id.confidence())
                .setSource(source(id.source()))
                .setEvidence(id.evidence())
                .build());
        response.onCompleted();
    }

    @Override
    public void equivalents(EquivalentsRequest request, StreamObserver<EquivalentsResponse> response) {
        String text = request.getKey().trim();
        Optional<InstrumentKey> key = text.length() > MAX_KEY ? Optional.empty()
                : InstrumentKey.parse(text.toUpperCase(Locale.ROOT));
        if (key.isEmpty()) {
            response.onError(Status.INVALID_ARGUMENT.withDescription("key '" + abbreviate(text) + "' is not a "
                    + "canonical instrument key; use the ccxt form: BTC/USDT (spot), BTC/USDT:USDT (perpetual), "
                    + "BTC/USD:BTC-250328 (future), BTC/USD:BTC-250328-100000-C (option)").asRuntimeException());
            return;
        }
        EquivalentsResponse.Builder out = EquivalentsResponse.newBuilder().setKey(key.get().toString());
        for (Listing l : catalog.equivalents(key.get())) {
            out.addMarkets(ListedMarket.newBuilder().setVenue(l.venue()).setSegment(l.segment())
                    .setNativeId(l.nativeId()));
        }
        response.onNext(out.build());
        response.onCompleted();
    }

    /** What is wrong with a Resolve request, or null. */
    private static String problem(ResolveRequest r) {
        if (!VENUE.matcher(r.getVenue()).matches()) {
            return "venue '" + abbreviate(r.getVenue()) + "' must be 1-64 letters, digits, '_' or '-', e.g. BINANCE";
        }
        if (Segment.of(r.getSegment()).isEmpty()) {
            return "segment '" + abbreviate(r.getSegment()) + "' must be one of spot, linear, inverse, quanto, option";
        }
        if (!NATIVE_ID.matcher(r.getNativeId()).matches()) {
            return "native_id '" + abbreviate(r.getNativeId()) + "' must be the venue's id, 1-64 printable "
                    + "characters without spaces, e.g. BTCUSDT or BTC-USDT-SWAP";
        }
        return null;
    }

    private static ResolutionSource source(Identification.Source s) {
        return switch (s) {
            case LISTING -> ResolutionSource.RESOLUTION_SOURCE_LISTING;
            case ALIAS -> ResolutionSource.RESOLUTION_SOURCE_ALIAS;
            case CO_MOVEMENT -> ResolutionSource.RESOLUTION_SOURCE_CO_MOVEMENT;
            case VENUE_RULE -> ResolutionSource.RESOLUTION_SOURCE_VENUE_RULE;
            case GENERIC_RULE -> ResolutionSource.RESOLUTION_SOURCE_GENERIC_RULE;
        };
    }

    /** Echoes at most 64 characters of client input in a status message. */
    private static String abbreviate(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "...";
    }
}
