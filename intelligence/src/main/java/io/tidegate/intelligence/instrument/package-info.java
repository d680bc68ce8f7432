/** Instrument identity across venues: the canonical {@link io.tidegate.intelligence.instrument.InstrumentKey} and a rule-based resolver from a venue's native id, with its evaluation. */
package io.tidegate.intelligence.instrument;
