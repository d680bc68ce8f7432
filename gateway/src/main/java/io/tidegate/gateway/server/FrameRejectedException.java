package io.tidegate.gateway.server;

import io.grpc.Status;

/**
 * A client frame or message was refused; carries the gRPC status code and a message that says
 * what to fix. Thrown and caught inside the server package only; never crosses a stream.
 */
final class FrameRejectedException extends Exception {
    private static final long serialVersionUID = 1L;

    private final Status.Code code;

    FrameRejectedException(Status.Code code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    /** Refuses with the code and description of {@code status}. */
    static FrameRejectedException of(Status status) {
        return new FrameRejectedException(status.getCode(), status.getDescription());
    }

    static FrameRejectedException invalid(String message) {
        return new FrameRejectedException(Status.Code.INVALID_ARGUMENT, message);
    }

    /**
     * A frame (or unary request) over {@code limits.max-frame-bytes}: RESOURCE_EXHAUSTED naming
     * the limit, both sizes and how to fix it.
     */
    static FrameRejectedException frameTooLarge(String what, int size, int limit) {
        return new FrameRejectedException(Status.Code.RESOURCE_EXHAUSTED, what + " is " + size + " bytes; the limit is "
                + limit + " (limits.max-frame-bytes, advertised in Welcome.limits.max_frame_bytes); split the batch "
                + "so each frame stays within it");
    }

    Status.Code code() {
        return code;
    }
}
