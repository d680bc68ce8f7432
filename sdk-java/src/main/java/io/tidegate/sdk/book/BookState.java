package io.tidegate.sdk.book;

/** Whether an {@link OrderBook} can be read. Immutable. */
public enum BookState {
    /** No snapshot yet. */
    AWAITING_SNAPSHOT("awaiting snapshot"),
    /** Kept from a snapshot and the updates after it. */
    LIVE("live"),
    /** Lost (see {@link OrderBook#why()}); back with the next snapshot. */
    RESYNCING("resyncing");

    private final String text;

    BookState(String text) {
        this.text = text;
    }

    /** The state in words, as messages show it ("awaiting snapshot"). */
    public String text() {
        return text;
    }
}
