package io.tidegate.gateway.server;

import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.tidegate.gateway.backend.BackendFullException;
import io.tidegate.gateway.backend.BackendRefusedException;
import io.tidegate.proto.v1.Error;
import java.util.concurrent.CompletionException;

/**
 * The one place the server turns exceptions into gRPC statuses, for call endings and for the
 * {@link Error} of one message: a refused frame keeps its code, a full backend (or spool) is
 * RESOURCE_EXHAUSTED, a backend that failed is UNAVAILABLE (worth retrying), anything else
 * INTERNAL. Each description says what to do. Stateless; any thread.
 */
final class ErrorStatus {

    private ErrorStatus() {
    }

    /** The status of any failure while serving a client. */
    static Status of(Throwable error) {
        Throwable root = unwrap(error);
        if (root instanceof FrameRejectedException rejected) {
            return Status.fromCode(rejected.code()).withDescription(rejected.getMessage());
        }
        if (root instanceof BackendFullException) {
            return Status.RESOURCE_EXHAUSTED.withDescription(root.getMessage());
        }
        if (root instanceof StatusException || root instanceof StatusRuntimeException) {
            return Status.fromThrowable(root);
        }
        return Status.INTERNAL.withDescription("the gateway failed: " + root);
    }

    /**
     * A publish the backend did not take: RESOURCE_EXHAUSTED when it is full, FAILED_PRECONDITION
     * when it refuses the command (an ACL without the permission: retrying cannot help), else
     * UNAVAILABLE (retry, same id).
     */
    static Status ofAppend(Throwable cause) {
        Throwable root = unwrap(cause);
        if (root instanceof BackendFullException) {
            return of(root);
        }
        if (root instanceof BackendRefusedException) {
            return Status.FAILED_PRECONDITION.withDescription(root.getMessage());
        }
        return Status.UNAVAILABLE.withDescription("the backend did not accept the message (" + cause.getMessage()
                + "); retry with the same id");
    }

    /** A subscription the backend could not open. */
    static Status ofSubscribe(Throwable cause) {
        return Status.UNAVAILABLE.withDescription("the backend could not open the subscription: " + cause.getMessage());
    }

    /** A subscription the backend ended while it was being read. */
    static Status ofSubscriptionEnd(Throwable cause) {
        return Status.UNAVAILABLE.withDescription("backend failure: " + cause.getMessage() + "; subscribe again");
    }

    /** A frame whose handling failed inside the gateway (a bug, not the client's doing). */
    static Status ofFrame(RuntimeException bug) {
        return Status.INTERNAL.withDescription("the gateway failed on this frame: " + bug);
    }

    /** The same status as the {@link Error} of one message or frame. */
    static Error toError(Status status) {
        return Error.newBuilder().setCode(status.getCode().value())
                .setMessage(status.getDescription() == null ? "" : status.getDescription()).build();
    }

    private static Throwable unwrap(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }
}
