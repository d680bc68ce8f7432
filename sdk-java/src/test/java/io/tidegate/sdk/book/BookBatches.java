package io.tidegate.sdk.book;

import io.tidegate.proto.market.v1.BookAction;
import io.tidegate.proto.market.v1.BookResetReason;
import io.tidegate.proto.market.v1.Decimal;
import io.tidegate.proto.market.v1.OrderBookDelta;
import io.tidegate.proto.market.v1.OrderBookDeltas;
import io.tidegate.proto.market.v1.OrderSide;
import java.math.BigDecimal;

/** Book batches as the adapters publish them, for tests. */
public final class BookBatches {

    public static final OrderSide BID = OrderSide.ORDER_SIDE_BUY;
    public static final OrderSide ASK = OrderSide.ORDER_SIDE_SELL;

    /** The adapter's reset after a sequence gap: a lone CLEAR. */
    public static final OrderBookDeltas RESET = OrderBookDeltas.newBuilder()
            .setResetReason(BookResetReason.BOOK_RESET_REASON_SEQUENCE_GAP)
            .addDeltas(OrderBookDelta.newBuilder().setAction(BookAction.BOOK_ACTION_CLEAR)).build();

    private BookBatches() {
    }

    public static Decimal dec(String text) {
        BigDecimal d = new BigDecimal(text);
        return Decimal.newBuilder().setUnits(d.unscaledValue().longValueExact()).setScale(Math.max(0, d.scale()))
                .build();
    }

    public static OrderBookDelta delta(BookAction action, OrderSide side, String price, String size) {
        return OrderBookDelta.newBuilder().setAction(action).setSide(side).setPrice(dec(price)).setSize(dec(size))
                .build();
    }

    /** A snapshot: CLEAR, then one ADD per level; {@code bids} and {@code asks} alternate price, size. */
    public static OrderBookDeltas snapshot(long seq, String[] bids, String[] asks) {
        OrderBookDeltas.Builder b = OrderBookDeltas.newBuilder().setIsSnapshot(true).setSequence(seq)
                .setResetReason(BookResetReason.BOOK_RESET_REASON_INITIAL)
                .addDeltas(OrderBookDelta.newBuilder().setAction(BookAction.BOOK_ACTION_CLEAR));
        for (int i = 0; i < bids.length; i += 2) {
            b.addDeltas(delta(BookAction.BOOK_ACTION_ADD, BID, bids[i], bids[i + 1]));
        }
        for (int i = 0; i < asks.length; i += 2) {
            b.addDeltas(delta(BookAction.BOOK_ACTION_ADD, ASK, asks[i], asks[i + 1]));
        }
        return b.build();
    }

    public static OrderBookDeltas update(long seq, OrderBookDelta... changes) {
        return OrderBookDeltas.newBuilder().setSequence(seq).setTsEvent(seq).addAllDeltas(java.util.List.of(changes))
                .build();
    }

    public static String[] levels(String... priceSizePairs) {
        return priceSizePairs;
    }
}
