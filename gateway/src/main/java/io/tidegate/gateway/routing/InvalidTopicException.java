package io.tidegate.gateway.routing;

/** A topic or pattern broke the naming rules; the message says which rule and how to fix it. */
public final class InvalidTopicException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public InvalidTopicException(String message) {
        super(message);
    }
}
