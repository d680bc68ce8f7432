package io.tidegate.gateway.tuning;

import io.tidegate.gateway.config.GatewayConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves the {@link Tunable}s, one at a time in turn, to where the {@link Objective} is highest:
 * a hill climb on a doubling scale. A step multiplies a setting by 2^step (up or down, inside its
 * bounds); the objective is averaged over {@code window} intervals after {@code settle} skipped
 * ones, both before and after the step. A step that beats the setting before it by
 * {@code min-gain} is kept (and the next step of that setting goes the same way, twice as far);
 * any other step is reverted and the setting before it measured again (the load may have moved).
 * When both directions fail the step halves, as a golden-section search narrows its bracket;
 * below a quarter doubling the setting counts as settled. Once every setting has settled the
 * controller only watches, and explores again after {@code re-explore-after}.
 *
 * <p>While the objective reads zero (an idle gateway) nothing moves. Frozen, it moves nothing; a step on trial when the freeze comes is reverted at the next
 * interval, so a frozen gateway runs on the best values found.
 *
 * <p>Threading: {@link #tick} runs on one thread (the controller's own after {@link #start}, or a
 * test's); {@link #freeze}, {@link #unfreeze}, {@link #frozen} and {@link #settings} are safe from
 * any thread.
 */
public final class TuningController implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TuningController.class);
    private static final double FIRST_STEP = 1;
    private static final double LARGEST_STEP = 3;
    private static final double LEAST_STEP = 0.25;

    /** One setting as the controller sees it now. */
    public record SettingView(String name, int value, int min, int max, long kept, long reverted) {
    }

    private enum Phase { BASELINE, TRIAL }

    /** What the controller knows of one tunable. Controller thread only, but the counters. */
    private static final class Setting {
        final Tunable tunable;
        final AtomicLong kept = new AtomicLong();
        final AtomicLong reverted = new AtomicLong();
        double step = FIRST_STEP;
        int direction = 1;
        boolean otherWayTried;

        Setting(Tunable tunable) {
            this.tunable = tunable;
        }

        boolean settled() {
            return step < LEAST_STEP;
        }
    }

    private final GatewayConfig.Tuning config;
    private final List<Setting> settings = new ArrayList<>();
    private final Objective objective;
    private final LongSupplier nanoTime;
    private volatile boolean frozen;
    private Thread thread;
    // controller thread only
    private Phase phase = Phase.BASELINE;
    private int skip;
    private double sum;
    private int samples;
    private double baseline;
    private int next;
    private Setting onTrial;
    private int trialFrom;
    private long settledAt = -1;

    public TuningController(GatewayConfig.Tuning config, List<Tunable> tunables, Objective objective, LongSupplier nanoTime) {
        this.config = config;
        this.objective = objective;
        this.nanoTime = nanoTime;
        this.frozen = config.frozen();
        for (Tunable t : tunables) {
            settings.add(new Setting(t));
        }
        this.skip = config.settle();
    }

    /** Starts the controller's thread, which calls {@link #tick} every {@code tuning.interval}. */
    public synchronized void start() {
        if (thread != null) {
            return;
        }
        long millis = Math.max(1, config.interval().toMillis());
        thread = new Thread(() -> {
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    Thread.sleep(millis);
                    tick();
                }
            } catch (InterruptedException e) {
                // closing
            } catch (RuntimeException e) {
                log.error("tuning controller stopped", e);
            }
        }, "tidegate-tuning");
        thread.setDaemon(true);
        thread.start();
    }

    /** No more moves until {@link #unfreeze}; a step on trial is reverted at the next interval. */
    public void freeze() {
        frozen = true;
    }

    public void unfreeze() {
        frozen = false;
    }

    public boolean frozen() {
        return frozen;
    }

    /** Every tunable's live value, bounds and steps kept and reverted so far. */
    public List<SettingView> settings() {
        return settings.stream().map(s -> new SettingView(s.tunable.name(), s.tunable.value(), s.tunable.min(),
                s.tunable.max(), s.kept.get(), s.reverted.get())).toList();
    }

    /** One measurement interval has passed: measures, and perhaps moves one setting. */
    public void tick() {
        double value = objective.measure();
        if (frozen) {
            if (onTrial != null) {
                onTrial.tunable.set(trialFrom);
                onTrial = null;
            }
            restartBaseline();
            return;
        }
        if (skip > 0) {
            skip--;
            return;
        }
        sum += value;
        if (++samples < config.window()) {
            return;
        }
        double mean = sum / samples;
        sum = 0;
        samples = 0;
        if (phase == Phase.TRIAL) {
            judge(mean);
        } else if (mean > 0) {
            baseline = mean;
            startTrial();
        } else {
            restartBaseline(); // idle: nothing to learn from, so nothing moves and nothing settles
        }
    }

    private void restartBaseline() {
        phase = Phase.BASELINE;
        skip = config.settle();
        sum = 0;
        samples = 0;
    }

    private void judge(double mean) {
        Setting s = onTrial;
        onTrial = null;
        if (mean > baseline * (1 + config.minGain())) {
            s.kept.incrementAndGet();
            s.step = Math.min(LARGEST_STEP, s.step * 2);
            s.otherWayTried = false;
            log.debug("tuning {}: {} -> {} kept ({} -> {})", s.tunable.name(), trialFrom, s.tunable.value(), baseline, mean);
            baseline = mean;
            startTrial();
            return;
        }
        s.reverted.incrementAndGet();
        log.debug("tuning {}: {} -> {} reverted ({} -> {})", s.tunable.name(), trialFrom, s.tunable.value(), baseline, mean);
        s.tunable.set(trialFrom);
        turn(s);
        restartBaseline();
    }

    /** After a failed step: try the other way at the same size, then smaller steps both ways. */
    private static void turn(Setting s) {
        s.direction = -s.direction;
        if (s.otherWayTried) {
            s.step /= 2;
            s.otherWayTried = false;
        } else {
            s.otherWayTried = true;
        }
    }

    /** Moves the next unsettled setting one step, or watches when all have settled. */
    private void startTrial() {
        for (int tried = 0; tried < settings.size(); tried++) {
            Setting s = settings.get(next);
            next = (next + 1) % settings.size();
            while (!s.settled()) {
                int from = s.tunable.value();
                int to = s.tunable.clamp(Math.round(from * Math.pow(2, s.direction * s.step)));
                if (to != from) {
                    trialFrom = from;
                    onTrial = s;
                    s.tunable.set(to);
                    phase = Phase.TRIAL;
                    skip = config.settle();
                    settledAt = -1;
                    return;
                }
                turn(s); // at a bound, or the step rounds to nothing
            }
        }
        watch();
    }

    /** Every setting has settled: keep measuring; explore again after {@code re-explore-after}. */
    private void watch() {
        long now = nanoTime.getAsLong();
        if (settledAt < 0) {
            settledAt = now;
            log.info("tuning settled: {}", settings());
        } else if (now - settledAt >= config.reexploreAfter().toNanos()) {
            settledAt = -1;
            for (Setting s : settings) {
                s.step = FIRST_STEP;
                s.otherWayTried = false;
            }
        }
        phase = Phase.BASELINE;
    }

    @Override
    public synchronized void close() {
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            thread = null;
        }
    }
}
