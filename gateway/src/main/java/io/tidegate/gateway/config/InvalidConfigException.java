package io.tidegate.gateway.config;

/** A configuration value is missing, malformed or out of range; the message names the key. */
public final class InvalidConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public InvalidConfigException(String message) {
        super(message);
    }
}
