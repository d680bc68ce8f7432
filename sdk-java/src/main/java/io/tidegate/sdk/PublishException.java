package io.tidegate.sdk;

import io.grpc.Status;

/**
 * A message the gateway rejected (or that could not be published at all); completes that
 * message's publish future exceptionally. The other messages of the same batch are unaffected.
 * Immutable.
 */
public class PublishException extends TidegateException {

    private final String messageId;

    public PublishException(String messageId, Status.Code code, String message) {
        super(code, message);
        this.messageId = messageId;
    }

    /** The id of the rejected message (assigned by the client when the caller gave none). */
    public String messageId() {
        return messageId;
    }
}
