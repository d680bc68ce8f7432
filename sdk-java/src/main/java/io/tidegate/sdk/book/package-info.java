/** An order book kept on the subscriber's side from the {@code OrderBookDeltas} on {@code data.books.<VENUE>.<SYMBOL>}. */
package io.tidegate.sdk.book;
