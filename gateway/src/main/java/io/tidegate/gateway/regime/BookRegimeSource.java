package io.tidegate.gateway.regime;

import io.tidegate.gateway.priority.RegimeSource;
import io.tidegate.intelligence.regime.Regime;
import io.tidegate.intelligence.regime.RegimeBook;
import io.tidegate.intelligence.regime.RegimeChange;
import jakarta.inject.Inject;

/**
 * The regime-aware priority rules' view of the detector: the instrument of a topic shaped
 * {@code <kind>.<sub>.<VENUE>.<SYMBOL>[...]} (e.g. {@code exec.commands.BINANCE.BTCUSDT},
 * {@code data.quotes.BINANCE.BTCUSDT}) looked up in the {@link RegimeBook}. Thread-safe: the book
 * answers lookups from any thread.
 */
public final class BookRegimeSource implements RegimeSource {

    private final RegimeBook book;

    @Inject
    public BookRegimeSource(RegimeBook book) {
        this.book = book;
    }

    @Override
    public Regime regimeOf(String topic) {
        int first = topic.indexOf('.');
        int second = first < 0 ? -1 : topic.indexOf('.', first + 1);
        int third = second < 0 ? -1 : topic.indexOf('.', second + 1);
        if (third < 0) {
            return null;
        }
        int end = topic.indexOf('.', third + 1);
        String venue = topic.substring(second + 1, third);
        String symbol = topic.substring(third + 1, end < 0 ? topic.length() : end);
        return book.regime(venue, symbol).map(RegimeChange::regime).orElse(null);
    }
}
