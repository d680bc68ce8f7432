package io.tidegate.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidegate.testkit.RedisServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The load tool runs end to end against an embedded gateway and prints its report (no timing thresholds). */
class LoadToolSmokeTest {

    @Test
    void oneSecondRunPrintsTheTableAndOneJsonLine() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        LoadReport r = LoadTool.run(LoadOptions.parse(new String[] {
                "--embedded", "memory", "--duration", "1s", "--warmup", "200ms", "--rate", "500", "--topics", "2"}),
                new PrintStream(buf, true, StandardCharsets.UTF_8));

        String printed = buf.toString(StandardCharsets.UTF_8);
        assertThat(printed).contains("embedded gateway, memory backend").contains("p99.9");
        assertThat(printed.lines().filter(l -> l.startsWith("{\"tool\":\"tidegate-loadtool\"")).count()).isEqualTo(1);
        assertThat(r.received()).isPositive();
        assertThat(r.latencyNanos().getTotalCount()).isPositive();
    }

    @Test
    void anEmbeddedRedisGatewaySpoolsOutsideTheWorkingDirectorySoNoRunReplaysAnothersLeftovers() throws Exception {
        Path workingDirectorySpool = Path.of("tidegate-spool");
        assertThat(workingDirectorySpool).as("precondition: no spool in the working directory").doesNotExist();
        try (RedisServer redis = RedisServer.start()) {
            LoadReport r = LoadTool.run(LoadOptions.parse(new String[] {
                    "--embedded", redis.uri(), "--duration", "500ms", "--warmup", "100ms", "--rate", "500"}),
                    new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
            assertThat(r.received()).isPositive();
        }
        assertThat(workingDirectorySpool).doesNotExist();
    }

    @Test
    void quoteRunsPublishQuoteTicksThatReachTheSubscribers() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        LoadReport r = LoadTool.run(LoadOptions.parse(new String[] {
                "--embedded", "memory", "--duration", "1s", "--warmup", "200ms", "--rate", "500", "--topics", "2",
                "--quotes", "true"}), new PrintStream(buf, true, StandardCharsets.UTF_8));

        assertThat(r.received()).isPositive();
        assertThat(r.failed()).isZero();
        assertThat(r.latencyNanos().getTotalCount()).isPositive();
    }

    @Test
    void badArgumentsSayWhatIsExpected() {
        assertThatThrownBy(() -> LoadOptions.parse(new String[] {"--embedded", "mysql"}))
                .hasMessageContaining("memory or redis://host:port");
        assertThatThrownBy(() -> LoadOptions.parse(new String[] {"--duration", "soon"}))
                .hasMessageContaining("500ms, 10s or 1m");
        assertThatThrownBy(() -> LoadOptions.parse(new String[] {"--gateway-config", "dispatch.workers.max=2"}))
                .hasMessageContaining("needs --embedded");
    }

    @Test
    void policiesRunSideBySideWithPerClassLatency() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        LoadTool.run(LoadOptions.parse(new String[] {
                "--embedded", "memory", "--duration", "1s", "--warmup", "200ms", "--rate", "500",
                "--priorities", "critical:1,normal:3,bulk:1", "--policies", "strict,learned"}),
                new PrintStream(buf, true, StandardCharsets.UTF_8));

        String printed = buf.toString(StandardCharsets.UTF_8);
        assertThat(printed).contains("== dispatch.policy=strict, round 1 of 1", "== dispatch.policy=learned, round 1 of 1",
                "== policies side by side");
        assertThat(printed.lines().filter(l -> l.matches("(strict|learned) +(CRITICAL|HIGH|NORMAL|LOW|BULK) .*"))).hasSize(10);
        assertThat(printed).containsPattern("learned +NORMAL +[0-9,]+ +[0-9,]+ +[0-9.]+% +[1-9][0-9]*");
        assertThat(printed.lines().filter(l -> l.contains("\"classes\":{\"CRITICAL\""))).hasSize(2);
    }

    @Test
    void aWorkloadIsReplayedWithItsClassesAndWeightedMissesAreReported() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        LoadTool.run(LoadOptions.parse(new String[] {
                "--embedded", "memory", "--duration", "1s", "--warmup", "200ms",
                "--workload", "burst2x", "--workload-scale", "0.05", "--policies", "strict,learned"}),
                new PrintStream(buf, true, StandardCharsets.UTF_8));

        String printed = buf.toString(StandardCharsets.UTF_8);
        assertThat(printed).contains("workload burst2x x 0.0500 seed 1001", "weighted misses per run (end to end)");
        // burst2x at 1/20 of its rates: about 350 NORMAL quotes per second, all five classes present over time
        assertThat(printed).containsPattern("strict +NORMAL +[0-9,]+ +[0-9,]+ +[0-9.]+% +[1-9][0-9]*");
        assertThatThrownBy(() -> LoadOptions.parse(new String[] {"--workload", "nosuch"})).hasMessageContaining("--workload");
        assertThatThrownBy(() -> LoadOptions.parse(new String[] {"--workload-scale", "0"})).hasMessageContaining("> 0");
    }

    @Test
    void theWorkloadsOwnServiceTimeIsEmulatedWithDeadlinesStretchedAlike() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        LoadTool.run(LoadOptions.parse(new String[] {
                "--embedded", "memory", "--duration", "1s", "--warmup", "200ms", "--workload", "steady",
                "--workload-service", "16", "--gateway-config", "dispatch.workers.max=1,dispatch.max-batch=4",
                "--policies", "strict"}),
                new PrintStream(buf, true, StandardCharsets.UTF_8));

        String printed = buf.toString(StandardCharsets.UTF_8);
        assertThat(printed).contains("memory backend with the workload's service time x16.0 (emulated), deadlines x16.0",
                "workload steady x 0.0625 seed 1001");
        // CRITICAL's 1 ms deadline is 16 ms here, HIGH's 5 ms 80 ms
        assertThat(printed).containsPattern("CRITICAL +[0-9.]+ +[0-9.]+ +16000 ");
        assertThat(printed).containsPattern("HIGH +[0-9.]+ +[0-9.]+ +80000 ");
        assertThatThrownBy(() -> LoadOptions.parse(new String[] {"--embedded", "redis://127.0.0.1:6379", "--workload",
                "steady", "--workload-service", "8"})).hasMessageContaining("--embedded memory");
        assertThatThrownBy(() -> LoadOptions.parse(new String[] {"--embedded", "memory", "--workload-service", "8"}))
                .hasMessageContaining("needs --workload");
    }

    @Test
    void variantsRunSideBySideWithMedianAndSpread() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        LoadTool.run(LoadOptions.parse(new String[] {
                "--embedded", "memory", "--duration", "500ms", "--warmup", "100ms", "--rate", "500", "--repeat", "2",
                "--variants", "off:intelligence.regime.enabled=false;on:intelligence.regime.enabled=true+dispatch.policy=learned"}),
                new PrintStream(buf, true, StandardCharsets.UTF_8));

        String printed = buf.toString(StandardCharsets.UTF_8);
        assertThat(printed).contains("== off (intelligence.regime.enabled=false), round 2 of 2",
                "== on (intelligence.regime.enabled=true,dispatch.policy=learned), round 2 of 2", "median msg/s");
        assertThat(printed.lines().filter(l -> l.matches("(off|on) +[0-9,]+ +[0-9,]+-[0-9,]+ +.*"))).hasSize(2);
        assertThatThrownBy(() -> LoadOptions.parse(new String[] {"--variants", "a:x=1"})).hasMessageContaining("needs --embedded");
    }

    @Test
    void warmupRoundsAreLeftOutAndEveryOtherRoundRunsInReverse() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        LoadTool.run(LoadOptions.parse(new String[] {
                "--embedded", "memory", "--duration", "300ms", "--warmup", "100ms", "--rate", "500", "--repeat", "2",
                "--warmup-rounds", "1", "--variants", "a:dispatch.policy=strict;b:dispatch.policy=learned"}),
                new PrintStream(buf, true, StandardCharsets.UTF_8));

        String printed = buf.toString(StandardCharsets.UTF_8);
        assertThat(printed.lines().filter(l -> l.startsWith("== ") && !l.contains("side by side"))
                .map(l -> l.substring(3, 4) + (l.contains("not counted") ? "w" : ""))
                .toList()).as("warm-up a b, then b a, then a b").containsExactly("aw", "bw", "b", "a", "a", "b");
        // only the two counted rounds appear per variant, in received msg/s and in CPU per message
        assertThat(printed).containsPattern("(?m)^a +[0-9,]+ [0-9,]+ +[0-9,]+$").containsPattern("(?m)^b +[0-9.]+ [0-9.]+ +[0-9.]+$");
        assertThatThrownBy(() -> LoadOptions.parse(new String[] {"--warmup-rounds", "-1"})).hasMessageContaining(">= 0");
        assertThatThrownBy(() -> LoadOptions.parse(new String[] {"--embedded", "memory", "--warmup-rounds", "1"}))
                .hasMessageContaining("needs --policies or --variants");
    }

    @Test
    void priorityMixSpreadsClassesByShare() {
        PriorityMix mix = PriorityMix.parse("critical:1,normal:3,bulk:1");
        int[] count = new int[5];
        for (int k = 0; k < 5; k++) {
            count[PriorityMix.levelOf(mix.of(k))]++;
        }
        assertThat(count).containsExactly(1, 0, 3, 0, 1);
        assertThatThrownBy(() -> PriorityMix.parse("urgent:1")).hasMessageContaining("class:share pairs");
        assertThatThrownBy(() -> LoadOptions.parse(new String[] {"--policies", "strict"})).hasMessageContaining("needs --embedded");
        assertThatThrownBy(() -> LoadOptions.parse(new String[] {"--embedded", "memory", "--policies", "smart"}))
                .hasMessageContaining("fifo, strict, weighted or learned");
    }

    @Test
    void gatewayConfigReachesTheEmbeddedGateway() {
        String[] args = {"--embedded", "memory", "--duration", "1s",
                "--gateway-config", "dispatch.workers.min=3,dispatch.workers.max=2"};
        assertThatThrownBy(() -> LoadTool.run(LoadOptions.parse(args),
                        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)))
                .hasMessageContaining("dispatch.workers.min (3) must not exceed dispatch.workers.max (2)");
    }
}
