package io.tidegate.bench.suite;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegressionTestTest {

    private final RegressionTest test = new RegressionTest(0.05, 5);

    private static Figure rate(double... runs) {
        return new Figure("memory.max", "msg/s", true, java.util.Arrays.stream(runs).boxed().toList());
    }

    private static Figure latency(double... runs) {
        return new Figure("redis.paced.p99", "ms", false, java.util.Arrays.stream(runs).boxed().toList());
    }

    @Test
    void aThroughputDropInEveryRunIsARegression() {
        FigureChange c = test.compare(rate(100_000, 104_000, 97_000, 101_000, 99_000),
                rate(80_000, 83_000, 78_000, 81_000, 79_500));

        assertThat(c.verdict()).isEqualTo(Verdict.REGRESSION);
        assertThat(c.changePercent()).isCloseTo(-20, org.assertj.core.data.Offset.offset(1.0));
        assertThat(c.pValue()).isLessThan(0.05);
    }

    @Test
    void aLatencyRiseIsARegressionAndAFallAnImprovement() {
        Figure base = latency(2.0, 2.1, 1.9);

        assertThat(test.compare(base, latency(3.0, 3.2, 2.9)).verdict()).isEqualTo(Verdict.REGRESSION);
        assertThat(test.compare(base, latency(1.0, 1.1, 0.9)).verdict()).isEqualTo(Verdict.IMPROVEMENT);
    }

    @Test
    void noiseFromTheSameMachineIsNotFlagged() {
        // both sides drawn from the same noisy distribution (±15 %, one outlier run each): no verdict either way
        Random random = new Random(7);
        int flagged = 0;
        for (int trial = 0; trial < 200; trial++) {
            double[] a = new double[3];
            double[] b = new double[3];
            for (int i = 0; i < 3; i++) {
                a[i] = 100_000 * (1 + 0.15 * random.nextGaussian());
                b[i] = 100_000 * (1 + 0.15 * random.nextGaussian());
            }
            a[trial % 3] *= 0.5;
            if (test.compare(rate(a), rate(b)).verdict() != Verdict.NO_CHANGE) {
                flagged++;
            }
        }
        // a complete separation of 3 against 3 happens by chance 2 times in 20; the 5 % floor removes most
        assertThat(flagged).isLessThan(30);
    }

    @Test
    void oneWildRunDoesNotMakeARegression() {
        FigureChange c = test.compare(rate(100_000, 101_000, 99_000), rate(100_500, 30_000, 99_500));

        assertThat(c.verdict()).isEqualTo(Verdict.NO_CHANGE);
    }

    @Test
    void aSignificantButTinyShiftIsNoChange() {
        FigureChange c = test.compare(rate(100_000, 100_100, 100_200), rate(98_000, 98_100, 98_200));

        assertThat(c.pValue()).isLessThan(0.05);
        assertThat(c.verdict()).isEqualTo(Verdict.NO_CHANGE);
    }

    @Test
    void aSingleQuickRunGetsNoVerdict() {
        assertThat(test.compare(rate(100_000, 101_000, 99_000), rate(50_000)).verdict()).isEqualTo(Verdict.TOO_FEW_RUNS);
    }

    @Test
    void compareReadsResultFilesAndPrintsWhatMoved(@TempDir Path dir) throws Exception {
        Path baseline = dir.resolve("baseline.json");
        Path result = dir.resolve("result.json");
        Files.writeString(baseline, """
                {"machine": {"kind": "polyglot", "cores": 2, "cpu": "x", "load_average": [1.0, 1.0, 1.0]},
                 "figures": [
                   {"name": "memory.max", "unit": "msg/s", "better": "higher", "runs": [100000, 102000, 98000]},
                   {"name": "redis.paced.p99", "unit": "ms", "better": "lower", "runs": [2.0, 2.1, 1.9]},
                   {"name": "gone", "unit": "msg/s", "better": "higher", "runs": [1, 2, 3]}]}""");
        Files.writeString(result, """
                {"machine": {"kind": "polyglot", "cores": 2, "cpu": "x", "load_average": [1.0, 1.0, 1.0]},
                 "figures": [
                   {"name": "memory.max", "unit": "msg/s", "better": "higher", "runs": [70000, 71000, 69000]},
                   {"name": "redis.paced.p99", "unit": "ms", "better": "lower", "runs": [2.05, 1.95, 2.0]},
                   {"name": "fresh", "unit": "msg/s", "better": "higher", "runs": [5, 6, 7]}]}""");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        List<FigureChange> changes = BenchCompare.compare(SuiteResult.read(baseline), SuiteResult.read(result), test,
                new PrintStream(bytes, true, StandardCharsets.UTF_8));

        assertThat(Map.of(changes.get(0).name(), changes.get(0).verdict(), changes.get(1).name(), changes.get(1).verdict()))
                .isEqualTo(Map.of("memory.max", Verdict.REGRESSION, "redis.paced.p99", Verdict.NO_CHANGE));
        String printed = bytes.toString(StandardCharsets.UTF_8);
        assertThat(printed).contains("-30.0%").contains("regression").contains("fresh").contains("not in the baseline")
                .contains("gone").contains("in the baseline only").contains("1 regression(s)");
    }
}
