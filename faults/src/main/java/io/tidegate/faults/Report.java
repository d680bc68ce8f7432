package io.tidegate.faults;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one scenario measured (figures in the order they were added) and which of its checks
 * failed. Threading: confined to the scenario's thread.
 */
final class Report {

    private final String scenario;
    private final Map<String, Object> figures = new LinkedHashMap<>();
    private final List<String> failedChecks = new ArrayList<>();

    Report(String scenario) {
        this.scenario = scenario;
    }

    Report put(String name, Object value) {
        figures.put(name, value);
        return this;
    }

    /** Records a check; a false one makes the scenario fail with {@code what}. */
    Report check(boolean ok, String what) {
        if (!ok) {
            failedChecks.add(what);
        }
        return this;
    }

    /** Puts the standard figures of a view: delivered, lost, duplicated. */
    Report view(Tally tally, String view) {
        put(view + ".delivered", tally.delivered(view));
        put(view + ".lost", tally.lost(view).size());
        put(view + ".duplicated", tally.duplicates(view));
        return this;
    }

    /** Puts sent / acked / spooled / failed. */
    Report publishes(Tally tally) {
        put("sent", tally.sent());
        put("acked", tally.acked());
        put("acked.spooled", tally.spooled());
        put("failed", tally.failed());
        if (tally.failed() > 0) {
            put("failed.example", tally.aFailure());
        }
        return this;
    }

    String scenario() {
        return scenario;
    }

    Object figure(String name) {
        return figures.get(name);
    }

    long number(String name) {
        return ((Number) figures.get(name)).longValue();
    }

    boolean passed() {
        return failedChecks.isEmpty();
    }

    List<String> failedChecks() {
        return List.copyOf(failedChecks);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("== ").append(scenario).append(passed() ? ": PASS" : ": FAIL").append('\n');
        figures.forEach((k, v) -> b.append(String.format("  %-28s %s%n", k, v)));
        failedChecks.forEach(c -> b.append("  FAILED: ").append(c).append('\n'));
        return b.toString();
    }
}
