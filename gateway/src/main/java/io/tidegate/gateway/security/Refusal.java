package io.tidegate.gateway.security;

import java.util.Locale;

/**
 * Why a caller was not authenticated: the reason (a metric label and audit field) and a message
 * for the caller saying what is missing or wrong, never containing a secret. Immutable.
 */
public final class Refusal extends Exception {

    /** Why authentication failed; the lower-case name is the {@code reason} label. */
    public enum Reason {
        MISSING_CREDENTIALS, MALFORMED_TOKEN, UNKNOWN_TOKEN, BAD_SIGNATURE, EXPIRED, NOT_YET_VALID,
        WRONG_AUDIENCE, WRONG_ISSUER, MISSING_CLAIM, NO_CERTIFICATE_IDENTITY, MISSING_ROLE;

        /** The metric label value, e.g. {@code wrong_audience}. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Reason reason;

    public Refusal(Reason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
