package io.tidegate.gateway.tuning;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.gateway.config.GatewayConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.DoubleSupplier;
import java.util.function.IntToDoubleFunction;
import org.junit.jupiter.api.Test;

/** The controller on synthetic objectives of a setting held in memory, ticked by the test. */
class TuningControllerTest {

    private static final GatewayConfig.Tuning CONFIG = tuning(false);

    private static GatewayConfig.Tuning tuning(boolean frozen) {
        return new GatewayConfig.Tuning(true, frozen, Duration.ofMillis(10), 3, 1, 0.03, 0.01, 15, Duration.ofMinutes(5),
                new GatewayConfig.Bounds(16, 4096), new GatewayConfig.Bounds(1, 256), new GatewayConfig.Bounds(16, 16384),
                new GatewayConfig.Bounds(16, 16384));
    }

    /** A setting in memory that remembers every value applied to it. */
    private static final class Knob {
        int value;
        final List<Integer> applied = new ArrayList<>();

        Knob(int value) {
            this.value = value;
        }

        Tunable tunable(String name, int min, int max) {
            return tunable(name, Tunable.Stage.INGRESS, min, max);
        }

        Tunable tunable(String name, Tunable.Stage stage, int min, int max) {
            return new Tunable(name, stage, min, max, () -> value, v -> {
                value = v;
                applied.add(v);
            });
        }
    }

    /**
     * A hump on the doubling scale with its top at {@code best}, plus or minus {@code noise} (a
     * fraction): a quarter doubling off the top loses 3 %, what {@code min-gain} resolves.
     */
    private static IntToDoubleFunction hump(int best, double noise, Random random) {
        double top = Math.log(best) / Math.log(2);
        return x -> {
            double d = Math.log(x) / Math.log(2) - top;
            return 10_000 * Math.exp(-d * d / 2) * (1 + noise * (2 * random.nextDouble() - 1));
        };
    }

    /** A controller whose objective reads the same at both stages. */
    private static TuningController controller(GatewayConfig.Tuning config, List<Tunable> tunables, DoubleSupplier objective) {
        return new TuningController(config, tunables, () -> Objective.Reading.both(objective.getAsDouble()), System::nanoTime);
    }

    @Test
    void convergesToTheOptimumInsideTheBoundsThroughNoise() {
        Knob batch = new Knob(1024);
        var f = hump(100, 0.05, new Random(7));
        TuningController c = controller(CONFIG, List.of(batch.tunable("batch", 16, 4096)), () -> f.applyAsDouble(batch.value));
        for (int i = 0; i < 2000; i++) {
            c.tick();
        }
        // within a quarter doubling of the top
        assertThat(batch.value).isBetween(84, 119);
        assertThat(c.settings().get(0).kept()).isPositive();
    }

    @Test
    void tunesTwoSettingsInTurnToTheirOwnOptima() {
        Knob batch = new Knob(1024);
        Knob floor = new Knob(1);
        Random random = new Random(11);
        var f = hump(256, 0.01, random);
        var g = hump(32, 0, random);
        TuningController c = controller(CONFIG, List.of(batch.tunable("batch", 16, 4096), floor.tunable("floor", 1, 256)),
                () -> f.applyAsDouble(batch.value) * g.applyAsDouble(floor.value) / 10_000);
        for (int i = 0; i < 4000; i++) {
            c.tick();
        }
        assertThat(batch.value).isBetween(215, 305);
        assertThat(floor.value).isBetween(27, 38);
    }

    @Test
    void judgesEachSettingByTheRateOfItsOwnStage() {
        Knob batch = new Knob(64);
        Knob read = new Knob(64);
        // each setting lifts its own stage's rate and lowers the other's: judged by the wrong
        // stage, both would sink to their least
        TuningController c = new TuningController(CONFIG,
                List.of(read.tunable("read", Tunable.Stage.DELIVERY, 16, 4096), batch.tunable("batch", 16, 4096)),
                () -> new Objective.Reading(10.0 * batch.value / read.value, 10.0 * read.value / batch.value),
                System::nanoTime);
        for (int i = 0; i < 2000; i++) {
            c.tick();
        }
        assertThat(read.value).isEqualTo(4096);
        assertThat(batch.value).isEqualTo(4096);
    }

    @Test
    void followsAKeptStepWithAFurtherStepOfTheSameSetting() {
        Knob batch = new Knob(64);
        Knob floor = new Knob(1);
        // the more the better for the batch; the floor does not matter
        TuningController c = controller(CONFIG, List.of(batch.tunable("batch", 16, 4096), floor.tunable("floor", 1, 256)),
                () -> batch.value * 10.0);
        while (c.settings().get(0).kept() < 2) {
            c.tick();
        }
        assertThat(floor.applied).as("no step of the floor between the batch's two gains").isEmpty();
        // 64 -> 256 kept, then twice as far: 256 -> 2048
        assertThat(batch.value).isEqualTo(2048);
    }

    @Test
    void afterAKeptStepHalvesTheSameWayBeforeTryingTheWayItCame() {
        Knob batch = new Knob(64);
        var f = hump(300, 0, new Random(1));
        TuningController c = controller(CONFIG, List.of(batch.tunable("batch", 16, 4096)), () -> f.applyAsDouble(batch.value));
        for (int i = 0; i < 300; i++) {
            c.tick();
        }
        // 64 -> 256 kept; 256 -> 2048 (three doublings) reverted; then 256 -> 724 (one and a half),
        // not 256 -> 32 back past the 64 just left; only then the other way
        assertThat(batch.applied.stream().filter(v -> v != 64 && v != 256).distinct().limit(3))
                .containsExactly(2048, 724, 91);
    }

    @Test
    void staysAtTheBoundAGainLedToUntilItExploresAgain() {
        Knob batch = new Knob(64);
        TuningController c = controller(CONFIG, List.of(batch.tunable("batch", 16, 256)), () -> batch.value * 10.0);
        for (int i = 0; i < 1000; i++) {
            c.tick();
        }
        assertThat(batch.value).isEqualTo(256);
        assertThat(batch.applied).as("no step back down from the bound").containsOnly(256, 64);
        assertThat(c.settings().get(0).reverted()).isZero();
    }

    @Test
    void neverLeavesItsBoundsWhenTheOptimumLiesBeyondThem() {
        Knob batch = new Knob(64);
        TuningController c = controller(CONFIG, List.of(batch.tunable("batch", 16, 256)), () -> batch.value * 10.0);
        for (int i = 0; i < 1000; i++) {
            c.tick();
        }
        assertThat(batch.applied).isNotEmpty().allSatisfy(v -> assertThat(v).isBetween(16, 256));
        assertThat(batch.value).isEqualTo(256);
    }

    @Test
    void revertsAStepThatMadeThingsWorseAfterThreeRounds() {
        Knob batch = new Knob(1024);
        // best exactly where it starts, steeply worse either side
        TuningController c = controller(CONFIG, List.of(batch.tunable("batch", 16, 4096)),
                () -> batch.value == 1024 ? 10_000 : 5_000);
        // three rounds of blocks A B B A, each block window 3 intervals after settle 1 when the
        // value changes: 1 + 3 + 4 + 3 + 4 intervals, then twice 3 + 4 + 3 + 4
        for (int i = 0; i < 43; i++) {
            c.tick();
        }
        assertThat(batch.applied).containsExactly(4096, 1024, 4096, 1024, 4096, 1024);
        assertThat(c.settings().get(0).reverted()).isEqualTo(1);
        assertThat(c.settings().get(0).kept()).isZero();
        assertThat(batch.value).isEqualTo(1024);
    }

    @Test
    void takesNoStepForAGainThatIsTheLoadRisingMeanwhile() {
        Knob batch = new Knob(1024);
        int[] ticks = {0};
        // the load grows 1 % an interval whatever the setting: before/after comparisons see a gain
        TuningController c = controller(CONFIG, List.of(batch.tunable("batch", 16, 4096)),
                () -> 10_000 * (1 + 0.01 * ticks[0]++));
        for (int i = 0; i < 1000; i++) {
            c.tick();
        }
        assertThat(c.settings().get(0).kept()).isZero();
        assertThat(c.settings().get(0).reverted()).isPositive();
        c.freeze();
        c.tick();
        assertThat(batch.value).isEqualTo(1024);
    }

    @Test
    void seldomKeepsAStepWhereTheSettingDoesNotMatterThroughHeavyNoise() {
        long kept = 0;
        long reverted = 0;
        for (int seed = 0; seed < 20; seed++) {
            Knob batch = new Knob(1024);
            Random random = new Random(seed);
            // each interval reads the same rate +-30 %, as sixteen publishers on two cores do
            TuningController c = controller(CONFIG, List.of(batch.tunable("batch", 16, 4096)),
                    () -> 10_000 * (1 + 0.3 * (2 * random.nextDouble() - 1)));
            for (int i = 0; i < 20_000; i++) {
                c.tick();
            }
            kept += c.settings().get(0).kept();
            reverted += c.settings().get(0).reverted();
        }
        assertThat(reverted).isGreaterThanOrEqualTo(20 * 6);
        assertThat(kept).as("kept of %d steps", kept + reverted).isLessThanOrEqualTo((kept + reverted) / 10);
    }

    @Test
    void freezeStopsEveryMoveAndRevertsTheStepOnTrial() {
        Knob batch = new Knob(1024);
        var f = hump(16, 0, new Random(1));
        TuningController c = controller(CONFIG, List.of(batch.tunable("batch", 16, 4096)), () -> f.applyAsDouble(batch.value));
        for (int i = 0; i < 6; i++) { // block A measured, the first step's block B running
            c.tick();
        }
        assertThat(batch.value).isNotEqualTo(1024);
        c.freeze();
        c.tick();
        assertThat(batch.value).as("the step on trial goes back").isEqualTo(1024);
        int moves = batch.applied.size();
        for (int i = 0; i < 200; i++) {
            c.tick();
        }
        assertThat(batch.applied).hasSize(moves);
        assertThat(c.frozen()).isTrue();

        c.unfreeze();
        for (int i = 0; i < 400; i++) {
            c.tick();
        }
        assertThat(batch.value).isLessThan(1024);
    }

    @Test
    void movesNothingWhileIdle() {
        Knob batch = new Knob(1024);
        TuningController c = controller(CONFIG, List.of(batch.tunable("batch", 16, 4096)), () -> 0.0);
        for (int i = 0; i < 100; i++) {
            c.tick();
        }
        assertThat(batch.applied).isEmpty();
    }

    @Test
    void startsFrozenWhenConfiguredSo() {
        Knob batch = new Knob(1024);
        TuningController c = controller(tuning(true), List.of(batch.tunable("batch", 16, 4096)), () -> 100_000.0 / batch.value);
        for (int i = 0; i < 100; i++) {
            c.tick();
        }
        assertThat(batch.applied).isEmpty();
    }
}
