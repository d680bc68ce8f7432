package io.tidegate.sdk.book;

/**
 * Thrown when an {@link OrderBook} is read while it has no snapshot yet or was lost, so a lost
 * book is never used by mistake; {@link #why()} says how it was lost. Immutable.
 */
public final class BookNotLiveException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    private final BookState state;
    private final String why;

    public BookNotLiveException(BookState state, String why) {
        super("the book is " + state.text() + ": " + why);
        this.state = state;
        this.why = why;
    }

    public BookState state() {
        return state;
    }

    /** Why the book is not live, e.g. "update sequence 5 is not after 5". */
    public String why() {
        return why;
    }
}
