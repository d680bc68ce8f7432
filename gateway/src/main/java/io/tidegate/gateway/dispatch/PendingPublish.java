package io.tidegate.gateway.dispatch;

import io.tidegate.gateway.backend.AppendResult;
import io.tidegate.gateway.backend.Envelope;
import io.tidegate.gateway.priority.PriorityLevels;

/**
 * One message waiting in the ingress queues, with the callback that receives its outcome.
 * Immutable.
 */
public record PendingPublish(Envelope envelope, PublishCallback callback) {

    /** Receives the outcome of one publish; called once, from a backend completion thread or a dispatch worker. */
    public interface PublishCallback {
        void onAppended(AppendResult result);

        void onFailed(Throwable cause);
    }

    int level() {
        return PriorityLevels.levelOf(envelope.message().getPriority());
    }
}
