package io.tidegate.gateway.server;

import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The live Connect streams of this gateway (for drain and metrics) and their activity log. Thread-safe. */
final class SessionRegistry {

    private final Set<ClientSession> sessions = ConcurrentHashMap.newKeySet();
    private final StreamActivityLog activity = new StreamActivityLog();

    void started(ClientSession session) {
        sessions.add(session);
        activity.opened();
    }

    void ended(ClientSession session) {
        if (sessions.remove(session)) {
            activity.ended();
        }
    }

    StreamActivityLog activity() {
        return activity;
    }

    int count() {
        return sessions.size();
    }

    Collection<ClientSession> sessions() {
        return List.copyOf(sessions);
    }
}
