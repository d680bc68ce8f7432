package io.tidegate.sdk;

import io.grpc.Status;

/**
 * A failure reported by the gateway or by the client, carrying the gRPC status code (what kind of
 * failure) and the gateway's message (what to fix). Immutable.
 */
public class TidegateException extends RuntimeException {

    private final Status.Code code;

    public TidegateException(Status.Code code, String message) {
        super(code + ": " + message);
        this.code = code;
    }

    public TidegateException(Status.Code code, String message, Throwable cause) {
        super(code + ": " + message, cause);
        this.code = code;
    }

    /** The gRPC status code, e.g. {@code INVALID_ARGUMENT} for a malformed topic. */
    public Status.Code code() {
        return code;
    }

    static TidegateException of(io.tidegate.proto.v1.Error error) {
        return new TidegateException(Status.fromCodeValue(error.getCode()).getCode(), error.getMessage());
    }
}
