package io.tidegate.gateway.backend.redis;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The strict-key-order group members of one backend, by group and consumer name, so that an ack
 * which readies a key's next entry for another member (the acking member had the key before its
 * deadline moved it, see {@code strict-ack.lua}) can wake that member at once. Redis keeps the
 * ready key in the holder's own list and tells nobody; without the wake the holder would find it
 * only at its next look (a reclaim, or with shared readers the re-check), up to a block timeout
 * later. A holder on another replica is not here and finds it that way.
 *
 * <p>Thread-safe; never blocks.
 */
final class StrictMembers {

    private final Map<Name, GroupSubscription> members = new ConcurrentHashMap<>();

    /** Consumer names are unique across replicas, so one name is one member. */
    private record Name(String group, String consumer) {
    }

    void join(String group, String consumer, GroupSubscription member) {
        members.put(new Name(group, consumer), member);
    }

    void leave(String group, String consumer, GroupSubscription member) {
        members.remove(new Name(group, consumer), member);
    }

    /** Wakes the member of {@code group} named {@code consumer} when it is on this backend. */
    void wake(String group, String consumer) {
        GroupSubscription member = members.get(new Name(group, consumer));
        if (member != null) {
            member.keyReady();
        }
    }
}
