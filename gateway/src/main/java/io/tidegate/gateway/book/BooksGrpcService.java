package io.tidegate.gateway.book;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.tidegate.gateway.server.AttachedService;
import io.tidegate.proto.market.v1.Decimal;
import io.tidegate.proto.v1.BookLevel;
import io.tidegate.proto.v1.BooksServiceGrpc;
import io.tidegate.proto.v1.GetBookRequest;
import io.tidegate.proto.v1.GetBookResponse;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * {@code tidegate.v1.BooksService}: answers GetBook from the {@link BookKeeper}'s books. A book
 * that is not live is never served as if it were: UNAVAILABLE says why and that the next snapshot
 * brings it back. Bad input gets INVALID_ARGUMENT saying what to send. Thread-safe; each call
 * copies at most {@code depth} levels per side under the book's lock. Attached to the gateway's port.
 */
public final class BooksGrpcService extends BooksServiceGrpc.BooksServiceImplBase implements AttachedService {

    private static final Pattern NAME = Pattern.compile("[\\x21-\\x7E&&[^.*>]]{1,64}");

    private final BookKeeper keeper;
    private final int maxDepth;
    private final boolean enabled;

    /**
     * @param keeper   the books; null when {@code enabled} is false
     * @param maxDepth {@code intelligence.books.max-depth}
     */
    public BooksGrpcService(BookKeeper keeper, int maxDepth, boolean enabled) {
        this.keeper = keeper;
        this.maxDepth = maxDepth;
        this.enabled = enabled;
    }

    /** Nothing to end: every call is unary and answered at once. */
    @Override
    public void startDraining() {
    }

    @Override
    public void getBook(GetBookRequest request, StreamObserver<GetBookResponse> response) {
        if (!enabled) {
            response.onError(Status.FAILED_PRECONDITION.withDescription("the gateway keeps no books; set "
                    + "intelligence.books.enabled = true").asRuntimeException());
            return;
        }
        String problem = problem(request);
        if (problem != null) {
            response.onError(Status.INVALID_ARGUMENT.withDescription(problem).asRuntimeException());
            return;
        }
        String topic = "data.books." + request.getVenue() + "." + request.getSymbol();
        Optional<OrderBook> book = keeper.book(request.getVenue(), request.getSymbol());
        if (book.isEmpty()) {
            response.onError(Status.NOT_FOUND.withDescription("no book batch was published on " + topic
                    + " (venue and symbol as the topic spells them)").asRuntimeException());
            return;
        }
        OrderBook.Levels levels = book.get().levels(request.getDepth() == 0 ? maxDepth : request.getDepth());
        if (levels.state() != OrderBook.State.LIVE) {
            response.onError(Status.UNAVAILABLE.withDescription("the book on " + topic + " is not known: "
                    + levels.why() + "; it is back with the venue's next snapshot").asRuntimeException());
            return;
        }
        GetBookResponse.Builder out = GetBookResponse.newBuilder().setVenue(request.getVenue())
                .setSymbol(request.getSymbol()).setSequence(levels.sequence()).setTsEvent(levels.tsEvent())
                .setTruncated(levels.truncated());
        for (int i = 0; i < levels.bidPrices().length; i++) {
            out.addBids(level(levels.bidPrices()[i], levels.bidSizes()[i], levels));
        }
        for (int i = 0; i < levels.askPrices().length; i++) {
            out.addAsks(level(levels.askPrices()[i], levels.askSizes()[i], levels));
        }
        response.onNext(out.build());
        response.onCompleted();
    }

    private static BookLevel level(long price, long size, OrderBook.Levels levels) {
        return BookLevel.newBuilder()
                .setPrice(Decimal.newBuilder().setUnits(price).setScale(levels.priceScale()))
                .setSize(Decimal.newBuilder().setUnits(size).setScale(levels.sizeScale()))
                .build();
    }

    private String problem(GetBookRequest r) {
        if (!NAME.matcher(r.getVenue()).matches()) {
            return "venue '" + abbreviate(r.getVenue()) + "' must be the venue as the book's topic names it "
                    + "(1-64 printable characters without spaces, '.', '*' or '>'), e.g. BYBIT";
        }
        if (!NAME.matcher(r.getSymbol()).matches()) {
            return "symbol '" + abbreviate(r.getSymbol()) + "' must be the symbol as the book's topic names it "
                    + "(1-64 printable characters without spaces, '.', '*' or '>'), e.g. BTCUSDT";
        }
        if (Integer.compareUnsigned(r.getDepth(), maxDepth) > 0) {
            return "depth " + Integer.toUnsignedString(r.getDepth()) + " is more than the "
                    + maxDepth + " levels the gateway holds (intelligence.books.max-depth); send 1-" + maxDepth
                    + ", or 0 for all";
        }
        return null;
    }

    private static String abbreviate(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "...";
    }
}
