package io.tidegate.gateway.server;

import io.grpc.Status;
import java.time.Duration;
import java.util.List;

/**
 * The client streams whose transport takes nothing while deliveries wait for them (the client
 * holds credit but does not read), and a way to end one; for the idle-subscriber remediation.
 * Thread-safe; never blocks.
 */
public interface StalledStreams {

    /** Session ids of the streams whose client has not read for at least {@code after} while deliveries wait. */
    List<String> stalledFor(Duration after);

    /**
     * Ends the stream {@code sessionId} with {@code status}; its unacked group messages go back to
     * the group. False when no such stream is open any more.
     */
    boolean end(String sessionId, Status status);
}
