package io.tidegate.gateway.console;

import java.util.List;

/** The live client streams of this gateway with their subscriptions, as of now; any thread. */
public interface ClientView {

    /** Every open stream. */
    List<Client> clients();

    /**
     * One client stream.
     *
     * @param name         the client name from {@code Hello}, empty before it
     * @param identity     the authenticated identity, empty without authentication
     * @param openedMillis epoch millis it opened
     * @param published    messages it handed in since it opened
     */
    record Client(String sessionId, String name, String identity, long openedMillis, long published,
                  List<Subscription> subscriptions) {
    }

    /**
     * One subscription of a stream.
     *
     * @param group             the consumer group, empty for a broadcast subscription
     * @param credit            messages the client may still be sent
     * @param heldMessages      messages waiting in gateway memory for the stream to take them
     * @param written           messages the stream took since the subscription opened
     * @param redelivered       group messages among them delivered before
     * @param lastWrittenMillis epoch millis the stream last took a message (or the subscription opened)
     */
    record Subscription(String id, List<String> patterns, String group, long credit, long heldMessages,
                        long heldBytes, long written, long redelivered, long lastWrittenMillis) {
    }
}
