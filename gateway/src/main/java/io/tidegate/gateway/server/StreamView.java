package io.tidegate.gateway.server;

import java.util.List;

/**
 * One client stream as the operations console shows it: who it is, what it published and what it
 * follows. A moment's copy, immutable, safe to hand to any thread.
 *
 * @param client       the name the client gave in {@code Hello}, empty before it
 * @param identity     the authenticated identity, empty without authentication
 * @param openedMillis epoch millis the stream opened
 * @param published    messages it handed in since it opened
 */
public record StreamView(String sessionId, String client, String identity, long openedMillis, long published,
                         List<SubscriptionView> subscriptions) {
}
