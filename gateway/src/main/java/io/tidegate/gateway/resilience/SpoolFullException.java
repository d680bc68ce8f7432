package io.tidegate.gateway.resilience;

import io.tidegate.gateway.backend.BackendFullException;

/**
 * The disk spool has no room for a batch: the backend is unavailable and the spool reached
 * {@code resilience.spool.max-bytes}. Publishers are told RESOURCE_EXHAUSTED; nothing is dropped.
 */
public final class SpoolFullException extends BackendFullException {
    private static final long serialVersionUID = 1L;

    public SpoolFullException(long usedBytes, long wantedBytes, long maxBytes) {
        super("the gateway's disk spool is full (" + usedBytes + " of " + maxBytes + " bytes used, "
                + wantedBytes + " more needed) while the backend is unavailable; retry with backoff");
    }
}
