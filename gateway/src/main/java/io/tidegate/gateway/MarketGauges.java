package io.tidegate.gateway;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.Meter;
import io.tidegate.gateway.book.BookKeeper;
import io.tidegate.gateway.instruments.InstrumentRegistry;
import io.tidegate.gateway.market.MarketDataTap;
import io.tidegate.gateway.regime.RegimeCounters;
import io.tidegate.intelligence.regime.Regime;
import io.tidegate.intelligence.regime.RegimeBook;
import io.tidegate.otel.Telemetry;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

/**
 * Gauges of the market intelligence: the instrument registry's listings, aliases and refusals
 * ({@code tidegate.instruments.*}, {@code tidegate.instrument.aliases_learned}, {@code tidegate.instrument.proposals_*}), regime changes
 * per regime ({@code tidegate.regime.changes}), instruments tracked
 * ({@code tidegate.regime.instruments}), order books kept and lost ({@code tidegate.books},
 * {@code tidegate.books.lost}) and market messages or regime changes skipped, per reason
 * ({@code tidegate.intel.dropped}).
 *
 * <p>Read when metrics are collected (a {@code /metrics} scrape or an OTLP push), never on the hot
 * path; registered at the composition root, so no package reads another's internals for
 * metrics. Thread-safe.
 */
@Singleton
final class MarketGauges {

    private static final AttributeKey<String> REGIME = AttributeKey.stringKey("regime");
    private static final AttributeKey<String> REASON = AttributeKey.stringKey("reason");

    @Inject
    MarketGauges(Telemetry telemetry, MarketDataTap tap, RegimeCounters regimes, RegimeBook book, BookKeeper books,
                 InstrumentRegistry instruments) {
        Meter meter = telemetry.getMeterProvider().get("io.tidegate.gateway");
        registerInstruments(meter, instruments);
        registerIntelligence(meter, tap, regimes, book, books);
        registerBooks(meter, books);
    }

    private static void registerInstruments(Meter meter, InstrumentRegistry instruments) {
        meter.gaugeBuilder("tidegate.instruments.listings").ofLongs().setUnit("{listing}")
                .setDescription("Venue listings the instrument registry holds (limit: intelligence.instruments.max-listings)")
                .buildWithCallback(m -> m.record(instruments.catalog().listingCount()));
        meter.gaugeBuilder("tidegate.instruments.learned_aliases").ofLongs().setUnit("{alias}")
                .setDescription("Currency aliases the instrument registry learned from listings")
                .buildWithCallback(m -> m.record(instruments.catalog().aliasCount()));
        meter.counterBuilder("tidegate.instruments.refused").setUnit("{listing}")
                .setDescription("New listings refused because the registry held intelligence.instruments.max-listings")
                .buildWithCallback(m -> m.record(instruments.refused()));
        meter.counterBuilder("tidegate.instrument.aliases_learned").setUnit("{alias}")
                .setDescription("Currency aliases learned from prices (co-movement) and confirmed by a listing")
                .buildWithCallback(m -> m.record(instruments.learnedFromPrices()));
        meter.gaugeBuilder("tidegate.instrument.proposals_pending").ofLongs().setUnit("{proposal}")
                .setDescription("Co-movement proposals waiting for a listing to confirm them "
                        + "(limit intelligence.instruments.co-movement.max-pending)")
                .buildWithCallback(m -> m.record(instruments.pendingProposals()));
        meter.counterBuilder("tidegate.instrument.proposals_evicted").setUnit("{proposal}")
                .setDescription("Pending co-movement proposals evicted, oldest first, past "
                        + "intelligence.instruments.co-movement.max-pending")
                .buildWithCallback(m -> m.record(instruments.evictedProposals()));
    }

    private static void registerIntelligence(Meter meter, MarketDataTap tap, RegimeCounters regimes, RegimeBook book,
                                             BookKeeper books) {
        meter.counterBuilder("tidegate.regime.changes").setUnit("{change}")
                .setDescription("Instruments entering a market regime, per regime entered")
                .buildWithCallback(m -> {
                    for (Regime r : Regime.values()) {
                        m.record(regimes.changes(r), Attributes.of(REGIME, r.name().toLowerCase(java.util.Locale.ROOT)));
                    }
                });
        meter.gaugeBuilder("tidegate.regime.instruments").ofLongs().setUnit("{instrument}")
                .setDescription("Instruments whose regime is tracked (limit intelligence.regime.max-instruments)")
                .buildWithCallback(m -> m.record(book.size()));
        meter.counterBuilder("tidegate.intel.dropped").setUnit("{message}")
                .setDescription("Market messages the intelligence skipped (queue_full, malformed, untracked) and regime "
                        + "changes not published (unpublished); the publishes themselves succeeded")
                .buildWithCallback(m -> {
                    m.record(tap.dropped(), Attributes.of(REASON, "queue_full"));
                    m.record(tap.malformed() + regimes.unusableMessages(), Attributes.of(REASON, "malformed"));
                    m.record(regimes.untrackedMessages() + books.untracked(), Attributes.of(REASON, "untracked"));
                    m.record(regimes.unpublishedChanges(), Attributes.of(REASON, "unpublished"));
                });
    }

    private static void registerBooks(Meter meter, BookKeeper books) {
        meter.gaugeBuilder("tidegate.books").ofLongs().setUnit("{book}")
                .setDescription("Order books kept from data.books.<VENUE>.<SYMBOL> (limit intelligence.books.max-books)")
                .buildWithCallback(m -> m.record(books.count()));
        meter.counterBuilder("tidegate.books.lost").setUnit("{book}")
                .setDescription("Times a live order book was lost until its next snapshot (reset, sequence gap, "
                        + "skipped messages, a delta that could not be applied)")
                .buildWithCallback(m -> m.record(books.losses()));
    }
}
