package io.tidegate.gateway.book;

import io.tidegate.proto.market.v1.BookAction;
import io.tidegate.proto.market.v1.BookResetReason;
import io.tidegate.proto.market.v1.Decimal;
import io.tidegate.proto.market.v1.OrderBookDelta;
import io.tidegate.proto.market.v1.OrderBookDeltas;
import io.tidegate.proto.market.v1.OrderSide;
import java.math.BigDecimal;

/** OrderBookDeltas as the Python adapters publish them (tidegate_adapters.books), from decimal text. */
final class Batches {

    private Batches() {
    }

    static Decimal dec(String text) {
        BigDecimal d = new BigDecimal(text);
        return Decimal.newBuilder().setUnits(d.unscaledValue().longValueExact()).setScale(d.scale()).build();
    }

    /** A level change: "B 100.5 2" / "A 101 0.5" (side, price, size); size 0 with UPDATE means delete. */
    static OrderBookDelta delta(BookAction action, String level) {
        String[] p = level.split(" ");
        return OrderBookDelta.newBuilder().setAction(action)
                .setSide(p[0].equals("B") ? OrderSide.ORDER_SIDE_BUY : OrderSide.ORDER_SIDE_SELL)
                .setPrice(dec(p[1])).setSize(dec(p[2])).build();
    }

    /** A snapshot: a CLEAR then one ADD per level. */
    static OrderBookDeltas snapshot(long sequence, String... levels) {
        OrderBookDeltas.Builder b = OrderBookDeltas.newBuilder().setIsSnapshot(true).setSequence(sequence)
                .setTsEvent(sequence * 1000).setResetReason(BookResetReason.BOOK_RESET_REASON_INITIAL)
                .addDeltas(OrderBookDelta.newBuilder().setAction(BookAction.BOOK_ACTION_CLEAR));
        for (String l : levels) {
            b.addDeltas(delta(BookAction.BOOK_ACTION_ADD, l));
        }
        return b.build();
    }

    /** An update: ADD for "+B ...", UPDATE for "B ...", DELETE for "-B ...". */
    static OrderBookDeltas update(long sequence, String... changes) {
        OrderBookDeltas.Builder b = OrderBookDeltas.newBuilder().setSequence(sequence).setTsEvent(sequence * 1000);
        for (String c : changes) {
            if (c.startsWith("+")) {
                b.addDeltas(delta(BookAction.BOOK_ACTION_ADD, c.substring(1)));
            } else if (c.startsWith("-")) {
                b.addDeltas(delta(BookAction.BOOK_ACTION_DELETE, c.substring(1)));
            } else {
                b.addDeltas(delta(BookAction.BOOK_ACTION_UPDATE, c));
            }
        }
        return b.build();
    }

    /** The adapter's reset: a lone CLEAR with the reason. */
    static OrderBookDeltas reset(BookResetReason reason) {
        return OrderBookDeltas.newBuilder().setResetReason(reason)
                .addDeltas(OrderBookDelta.newBuilder().setAction(BookAction.BOOK_ACTION_CLEAR)).build();
    }
}
