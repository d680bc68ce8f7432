package io.tidegate.gateway.config;

/**
 * A valid configuration value the machine refuses at start: a port already in use, a spool
 * directory that cannot be created or is held by other gateways. The message starts with the key
 * and says what to change; {@code Main} prints it as one line instead of a stack trace.
 */
public final class SettingUnusableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SettingUnusableException(String message, Throwable cause) {
        super(message, cause);
    }
}
