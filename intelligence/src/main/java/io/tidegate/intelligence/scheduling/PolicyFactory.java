package io.tidegate.intelligence.scheduling;

/**
 * Builds the policy named by {@code dispatch.policy}, always inside {@link SafetyRails}; the
 * learned one also inside a {@link RewardWatchdog}. Stateless; any thread (each policy built is
 * then owned by one drain thread).
 */
public final class PolicyFactory {

    /** Backend latency below which the learned state counts the backend as fast. */
    public static final long LATENCY_FAST_NANOS = 100_000;
    /** Backend latency from which the learned state counts the backend as slow. */
    public static final long LATENCY_SLOW_NANOS = 140_000;

    private PolicyFactory() {
    }

    /** The state encoder the shipped Q-table was trained with. */
    public static StateEncoder encoder(SchedulingConfig config) {
        return new StateEncoder(config, LATENCY_FAST_NANOS, LATENCY_SLOW_NANOS);
    }

    /** A railed policy of the given kind; {@code table} and {@code listener} matter only for {@code learned}. */
    public static SafetyRails create(PolicyKind kind, SchedulingConfig config, QTable table, FallbackListener listener) {
        DispatchPolicy inner = switch (kind) {
            case FIFO -> new FifoPolicy();
            case STRICT -> new StrictPriorityPolicy();
            case WEIGHTED -> new WeightedPolicy(config);
            case LEARNED -> new RewardWatchdog(new LearnedPolicy(table, encoder(config)), config, listener);
        };
        return new SafetyRails(inner, config);
    }
}
