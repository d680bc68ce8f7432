package io.tidegate.gateway.dispatch;

import io.tidegate.gateway.config.GatewayConfig;

/**
 * Decides how many dispatch workers there should be, from periodic samples of the queues. Grows
 * fast: doubling after {@code scale-up-after} of sustained pressure (depth or queueing delay at
 * or above its threshold, with no pressure-free gap as long as {@code scale-up-after}; a steady
 * load that is a few workers short makes messages wait in waves, not in every sample), but only
 * while every worker has been busy at once: messages that wait for their key's append in flight,
 * or for the CPU, are not helped by more workers (one hot key would otherwise grow the pool to its
 * max, each worker woken for nothing). Shrinks slowly: after {@code scale-down-after} with no
 * pressure at all, by half the surplus over the most workers that were busy at once in that
 * period, so a steady load keeps the workers it uses and the pool does not flap. Not thread-safe:
 * one sampler calls it.
 */
final class PoolSizer {

    private final GatewayConfig.Workers config;
    private final long upDelayNanos;
    private final long upAfterNanos;
    private final long downAfterNanos;
    private int target;
    private long pressedSince = -1;
    private long lastPressed;
    private long quietSince;
    private int peakBusy;

    PoolSizer(GatewayConfig.Workers config, long nowNanos) {
        this.config = config;
        this.upDelayNanos = config.scaleUpDelay().toNanos();
        this.upAfterNanos = config.scaleUpAfter().toNanos();
        this.downAfterNanos = config.scaleDownAfter().toNanos();
        this.target = config.min();
        this.quietSince = nowNanos;
    }

    int target() {
        return target;
    }

    /**
     * @param depth        messages waiting for a worker
     * @param waitNanos    how long the oldest waiting message (or the slowest one taken since the
     *                     last sample) has waited
     * @param busyWorkers  the most workers with an append in flight at once since the last sample
     * @return the new target
     */
    int sample(long now, int depth, long waitNanos, int busyWorkers) {
        if (depth >= config.scaleUpDepth() || waitNanos >= upDelayNanos) {
            quietSince = now;
            peakBusy = 0;
            lastPressed = now;
            if (pressedSince < 0) {
                pressedSince = now;
            }
            if (now - pressedSince >= upAfterNanos && target < config.max() && busyWorkers >= target) {
                target = Math.min(config.max(), target * 2);
                pressedSince = now;
            }
            return target;
        }
        if (now - lastPressed >= upAfterNanos) {
            pressedSince = -1;
        }
        peakBusy = Math.max(peakBusy, busyWorkers);
        if (now - quietSince >= downAfterNanos) {
            int needed = Math.max(config.min(), peakBusy);
            if (needed < target) {
                target -= (target - needed + 1) / 2;
            }
            quietSince = now;
            peakBusy = 0;
        }
        return target;
    }
}
