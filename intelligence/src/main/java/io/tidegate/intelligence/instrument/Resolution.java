package io.tidegate.intelligence.instrument;

/**
 * A resolved instrument key with how sure the resolver is, from 0 (a guess) to 1 (every part read
 * from the id by a venue's own rule). Immutable and thread-safe.
 *
 * @param key        the canonical key
 * @param confidence 0..1; lowered for each heuristic the resolver had to use
 */
public record Resolution(InstrumentKey key, double confidence) {}
