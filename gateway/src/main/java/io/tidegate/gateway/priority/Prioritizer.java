package io.tidegate.gateway.priority;

import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.Priority;

/**
 * Decides the effective priority of a message at ingress. The static rules are the default;
 * learned policies plug in behind this interface. Called on gRPC threads for every published
 * message: implementations must be thread-safe, fast and non-blocking.
 */
public interface Prioritizer {

    /** Set in {@link #decide}'s answer when the message's instrument was looked up and is VOLATILE. */
    int VOLATILE = 1 << 8;

    /** Never returns {@link Priority#PRIORITY_UNSPECIFIED} or an unrecognised value. */
    Priority prioritize(Message message);

    /**
     * {@link #prioritize}'s priority number, with {@link #VOLATILE} set when deciding it found the
     * message's instrument VOLATILE: the regime the rules looked up anyway, passed on so the
     * dispatch policy's state needs no lookup of its own.
     */
    default int decide(Message message) {
        return prioritize(message).getNumber();
    }
}
