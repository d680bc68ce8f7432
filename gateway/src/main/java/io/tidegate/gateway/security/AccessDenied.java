package io.tidegate.gateway.security;

/**
 * A subscription or group join the authorisation rules refuse; the message says who was refused
 * what and by which rule, for the caller ({@code PERMISSION_DENIED}). Already audited and counted
 * when thrown. Immutable.
 */
public final class AccessDenied extends Exception {

    public AccessDenied(String message) {
        super(message, null, false, false);
    }
}
