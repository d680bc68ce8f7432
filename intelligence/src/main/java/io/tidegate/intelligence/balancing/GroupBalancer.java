package io.tidegate.intelligence.balancing;

/**
 * Chooses which member of a consumer group gets the next message, and is told what happened so
 * its next choice is informed. Members are slots {@code 0 .. maxMembers-1} chosen by the caller;
 * the balancer keeps each member's available credit (the client's grants minus what went out),
 * so it never picks a member without room.
 *
 * <p>Strict key order: when the message's key is held by a member ({@code keyHolder}), the answer
 * is that member or {@link #NONE}, never another one; the caller keeps the lease.
 *
 * <p>Deciding is O(members) and allocates nothing. Not thread-safe: one instance per group per
 * replica, used by the thread that delivers the group's messages.
 */
public interface GroupBalancer {

    /** No member can take the message now; it stays in the backend. */
    int NONE = -1;

    /** A member joined with no credit yet. */
    void join(int member, long nowNanos);

    /** A member left; what it held is the caller's to put back. */
    void leave(int member);

    /** The member granted {@code credits} more messages. */
    void grant(int member, int credits, long nowNanos);

    /** The member to deliver to now, or {@link #NONE}; {@code keyHolder} is the member holding the key, or NONE. */
    int pick(long nowNanos, int keyHolder);

    /** A message went out to the member (uses one credit). */
    void delivered(int member, long nowNanos);

    /** The member acked a message. */
    void acked(int member, long nowNanos);

    /** A message out to the member came back undone (nack, deadline). */
    void released(int member, long nowNanos);

    /** Which balancer this is. */
    BalancerKind kind();
}
