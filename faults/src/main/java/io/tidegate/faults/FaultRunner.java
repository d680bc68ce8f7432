package io.tidegate.faults;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs the fault scenarios on real processes and prints each one's figures (sent / acked /
 * delivered / lost / duplicated, latency, heap, CPU) and checks. {@code scripts/fault-tests.sh}
 * runs it; the exit code is 1 when a scenario failed a check.
 *
 * <pre>
 * FaultRunner [--scenario NAME[,NAME...]|all] [--quick] [--work-dir DIR]
 * </pre>
 */
public final class FaultRunner {

    private FaultRunner() {
    }

    /** All scenarios, by name, in the order they run. */
    static Map<String, Scenario> scenarios() {
        Map<String, Scenario> all = new LinkedHashMap<>();
        for (Scenario s : List.of(new RedisRestartScenario(), new ReplicaKillScenario(), new RollingRestartScenario(),
                new StalledSubscriberScenario(), new StalledHeapScenario(), new ManyStreamsScenario(),
                ManyStreamsScenario.onRedis(4, 10_000), ManyStreamsScenario.onRedis(0, 2_000))) {
            all.put(s.name(), s);
        }
        return all;
    }

    public static void main(String[] args) throws Exception {
        String which = "all";
        boolean full = true;
        Path workDir = Path.of("target", "fault-runs");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--scenario" -> which = args[++i];
                case "--quick" -> full = false;
                case "--work-dir" -> workDir = Path.of(args[++i]);
                default -> {
                    System.err.println("usage: FaultRunner [--scenario NAME[,NAME...]|all] [--quick] [--work-dir DIR]\n"
                            + "scenarios: " + String.join(", ", scenarios().keySet()));
                    System.exit(2);
                }
            }
        }
        List<Scenario> chosen = new ArrayList<>();
        for (String name : which.equals("all") ? List.copyOf(scenarios().keySet()) : List.of(which.split(","))) {
            Scenario s = scenarios().get(name.trim());
            if (s == null) {
                System.err.println("unknown scenario " + name + "; known: " + String.join(", ", scenarios().keySet()));
                System.exit(2);
            }
            chosen.add(s);
        }
        Files.createDirectories(workDir);
        boolean allPassed = true;
        List<Report> reports = new ArrayList<>();
        for (Scenario s : chosen) {
            Path dir = Files.createTempDirectory(workDir, s.name() + "-");
            System.out.println("-- running " + s.name() + (full ? "" : " (quick)") + "; gateway logs in " + dir);
            Report r;
            try {
                r = s.run(new Settings(full, dir));
            } catch (Exception e) {
                r = new Report(s.name()).check(false, "threw " + e);
                e.printStackTrace();
            }
            System.out.println(r);
            reports.add(r);
            allPassed &= r.passed();
        }
        System.out.println("== summary");
        reports.forEach(r -> System.out.println("  " + r.scenario() + ": " + (r.passed() ? "PASS" : "FAIL " + r.failedChecks())));
        System.exit(allPassed ? 0 : 1);
    }
}
