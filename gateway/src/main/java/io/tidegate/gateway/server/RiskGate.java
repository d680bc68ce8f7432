package io.tidegate.gateway.server;

import io.grpc.Status;
import io.tidegate.gateway.security.Identity;
import io.tidegate.proto.v1.Message;

/**
 * The pre-trade check of the publish path: asked for every client message after authorisation
 * and before it is queued for the backend, and shown every message the backend stored, so that an
 * implementation can follow execution events. Bound at the composition root ({@link #OFF} when
 * {@code risk.enabled} is false). Implementations are thread-safe, never block, and allocate
 * little on {@link #check} for topics they do not watch.
 */
public interface RiskGate {

    /** No gate: everything passes, nothing is watched. */
    RiskGate OFF = new RiskGate() {
        @Override
        public Status check(Identity who, Message message) {
            return null;
        }

        @Override
        public void stored(Message message) {
        }

        @Override
        public void failed(Message message) {
        }
    };

    /**
     * Null when the message may go on; else the status to answer that message alone with
     * (the stream goes on).
     *
     * @param who the authenticated caller, or null when authentication is off
     */
    Status check(Identity who, Message message);

    /** A client message the backend stored, not a duplicate; called on a backend thread. */
    void stored(Message message);

    /**
     * A message {@link #check} let pass that was not stored after all (the ingress queue was full,
     * the backend failed): whatever the check counted for it is handed back. Any thread.
     */
    void failed(Message message);
}
