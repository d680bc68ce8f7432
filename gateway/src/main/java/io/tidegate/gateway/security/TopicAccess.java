package io.tidegate.gateway.security;

import io.tidegate.gateway.routing.TopicPattern;
import java.util.List;
import java.util.function.Predicate;

/**
 * What an identity may publish, subscribe to and join ({@code security.acl}): asked by the server
 * for every published message and every Subscribe. Every refusal is audited and counted before
 * it is returned. Implementations are thread-safe; {@link #refusePublish} is on the publish hot
 * path and allocates nothing when it allows.
 */
public interface TopicAccess {

    /** Authorisation off: everything is allowed. */
    TopicAccess OPEN = new TopicAccess() {
        @Override
        public String refusePublish(Identity who, String peer, String topic) {
            return null;
        }

        @Override
        public Predicate<String> subscribe(Identity who, String peer, List<TopicPattern> patterns, String group) {
            return null;
        }
    };

    /**
     * Null when {@code who} may publish to {@code topic}; else why not (for a
     * {@code PERMISSION_DENIED} answer to that message alone).
     *
     * @param who  the caller, or null when authentication is off (only {@code who = "*"} rules apply)
     * @param peer the caller's address, for the audit line
     */
    String refusePublish(Identity who, String peer, String topic);

    /**
     * Decides a subscription to these patterns (and a group when not null).
     *
     * @return null when every topic the patterns match may be delivered; else the test each topic
     *         must pass to be delivered (the patterns are allowed in part), evaluated with the
     *         rules in force when the subscription first meets the topic
     * @throws AccessDenied when a pattern lies entirely outside what the rules allow, or the group
     *                      may not be joined
     */
    Predicate<String> subscribe(Identity who, String peer, List<TopicPattern> patterns, String group) throws AccessDenied;

    /**
     * Runs {@code listener} (on the reload thread) each time new rules come into force, so
     * subscriptions made under the old ones can be checked again. Rules that never change ignore it.
     */
    default void onChange(Runnable listener) {
    }
}
