package io.tidegate.gateway.tuning;

import io.tidegate.gateway.config.GatewayConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves the {@link Tunable}s, one at a time in turn, to where the {@link Objective} is highest: a
 * hill climb on a doubling scale, each setting judged by the objective at its own stage (the rate
 * that answers it at once, not the one that follows over seconds). A step multiplies a setting by
 * 2^step (up or down, inside its bounds; the first step is two doublings) and goes on trial: the
 * setting alternates between its value before the step (A) and after it (B) in blocks of
 * {@code window} measured intervals (after {@code settle} skipped ones when the value changes), in
 * rounds A B B A, each round one observation of a {@link RoundTrial}. A step shown to gain is kept, and
 * the same setting goes on trial again at once, the same way and twice as far (a setting a gain
 * took to a bound stays there); a step shown to gain less than {@code min-gain}, or not shown to
 * gain within {@code max-rounds} rounds, is reverted and the next setting takes its turn. The
 * setting's next try goes the other way, or, right after a kept step, the same way at half the
 * size. When both directions fail the step halves, as a golden-section search narrows its bracket;
 * below a quarter doubling the setting counts as settled. Once every setting has settled the
 * controller only watches, and explores again after {@code re-explore-after}.
 *
 * <p>While the objective reads zero (an idle gateway) a trial is abandoned and nothing moves.
 * Frozen, it moves nothing; a step on trial when the freeze comes is reverted at the next
 * interval, so a frozen gateway runs on the best values found.
 *
 * <p>Threading: {@link #tick} runs on one thread (the controller's own after {@link #start}, or a
 * test's); {@link #freeze}, {@link #unfreeze}, {@link #frozen} and {@link #settings} are safe from
 * any thread.
 */
public final class TuningController implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TuningController.class);
    private static final double FIRST_STEP = 2;
    private static final double LARGEST_STEP = 3;
    private static final double LEAST_STEP = 0.25;
    /** Which value each block of a trial runs at, repeating: A B B A. */
    private static final boolean[] BLOCK_IS_STEP = {false, true, true, false};

    /** One setting as the controller sees it now. */
    public record SettingView(String name, int value, int min, int max, long kept, long reverted) {
    }

    /** What the controller knows of one tunable. Controller thread only, but the counters. */
    private static final class Setting {
        final Tunable tunable;
        final AtomicLong kept = new AtomicLong();
        final AtomicLong reverted = new AtomicLong();
        double step = FIRST_STEP;
        int direction = 1;
        boolean otherWayTried;
        /** The last step went this way and was kept: the other way lies a value shown worse. */
        boolean cameFromOtherWay;

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
    private int skip;
    private double sum;
    private int samples;
    private int next;
    private Setting onTrial;
    private int trialFrom;
    private int trialTo;
    private RoundTrial trial;
    private int block;
    private double roundBefore;
    private double roundAfter;
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
        Objective.Reading reading = objective.measure();
        if (frozen) {
            abandonTrial();
            return;
        }
        if (onTrial == null && !startTrial()) {
            return;
        }
        if (skip > 0) {
            skip--;
            return;
        }
        sum += reading.at(onTrial.tunable.stage());
        if (++samples < config.window()) {
            return;
        }
        double mean = sum / samples;
        sum = 0;
        samples = 0;
        if (mean <= 0) {
            abandonTrial(); // idle: nothing to learn from, so nothing moves and nothing settles
            return;
        }
        blockMeasured(mean);
    }

    /** Puts the setting on trial back where it was, counting nothing. */
    private void abandonTrial() {
        if (onTrial != null) {
            if (apply(onTrial, trialFrom)) {
                skip = config.settle();
            }
            onTrial = null;
        }
        sum = 0;
        samples = 0;
    }

    private void blockMeasured(double mean) {
        log.trace("tuning {}: block at {}: {}", onTrial.tunable.name(), onTrial.tunable.value(), mean);
        if (BLOCK_IS_STEP[block % 4]) {
            roundAfter += mean;
        } else {
            roundBefore += mean;
        }
        block++;
        if (block % 4 != 0) {
            runBlock();
            return;
        }
        trial.add(roundBefore, roundAfter);
        roundBefore = 0;
        roundAfter = 0;
        switch (trial.verdict()) {
            case KEEP -> keep();
            case REVERT -> revert();
            case CONTINUE -> runBlock();
        }
    }

    /** Sets the value the next block runs at, skipping {@code settle} intervals if it changes. */
    private void runBlock() {
        int value = BLOCK_IS_STEP[block % 4] ? trialTo : trialFrom;
        if (apply(onTrial, value)) {
            skip = config.settle();
        }
    }

    private void keep() {
        Setting s = onTrial;
        onTrial = null;
        // a gain is worth following: the same setting goes on trial again at once, twice as far
        next = settings.indexOf(s);
        apply(s, trialTo);
        s.kept.incrementAndGet();
        s.step = Math.min(LARGEST_STEP, s.step * 2);
        s.otherWayTried = false;
        s.cameFromOtherWay = true;
        log.debug("tuning {}: {} -> {} kept (gain {} over {} rounds)", s.tunable.name(), trialFrom, trialTo,
                trial.meanGain(), trial.rounds());
    }

    private void revert() {
        Setting s = onTrial;
        onTrial = null;
        if (apply(s, trialFrom)) {
            skip = config.settle();
        }
        s.reverted.incrementAndGet();
        log.debug("tuning {}: {} -> {} reverted (gain {} over {} rounds)", s.tunable.name(), trialFrom, trialTo,
                trial.meanGain(), trial.rounds());
        turn(s);
    }

    /** Sets {@code s} to {@code value} unless it is there already; true if it moved. */
    private static boolean apply(Setting s, int value) {
        if (s.tunable.value() == value) {
            return false;
        }
        s.tunable.set(value);
        return true;
    }

    /**
     * After a failed step: try the other way at the same size, then smaller steps both ways. Right
     * after a kept step the other way is where the setting came from, shown worse, so the step
     * first halves the same way.
     */
    private static void turn(Setting s) {
        if (s.cameFromOtherWay) {
            s.cameFromOtherWay = false;
            s.step /= 2;
            return;
        }
        s.direction = -s.direction;
        if (s.otherWayTried) {
            s.step /= 2;
            s.otherWayTried = false;
        } else {
            s.otherWayTried = true;
        }
    }

    /**
     * Puts the next unsettled setting on trial one step away, starting with a block at its current
     * value; false (and watches) when all have settled.
     */
    private boolean startTrial() {
        for (int tried = 0; tried < settings.size(); tried++) {
            Setting s = settings.get(next);
            next = (next + 1) % settings.size();
            while (!s.settled()) {
                int from = s.tunable.value();
                int to = s.tunable.clamp(Math.round(from * Math.pow(2, s.direction * s.step)));
                if (to != from) {
                    onTrial = s;
                    trialFrom = from;
                    trialTo = to;
                    trial = new RoundTrial(config.significance(), config.minGain(), config.maxRounds());
                    block = 0;
                    roundBefore = 0;
                    roundAfter = 0;
                    settledAt = -1;
                    return true;
                }
                if (s.cameFromOtherWay) {
                    s.step = 0; // at the bound a gain led to: settled there until the next exploration
                } else {
                    turn(s); // at a bound, or the step rounds to nothing
                }
            }
        }
        watch();
        return false;
    }

    /** Every setting has settled: keep watching; explore again after {@code re-explore-after}. */
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
                s.cameFromOtherWay = false;
            }
        }
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
