package io.tidegate.bench.suite;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The figures of a suite result or baseline ({@code result.json} as {@code scripts/bench-suite.sh}
 * writes it), by name in file order, with the machine it ran on. Immutable.
 *
 * @param machine one line describing the machine (kind, cores, CPU, load average)
 */
public record SuiteResult(String machine, Map<String, Figure> figures) {

    public SuiteResult {
        figures = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(figures));
    }

    /** Reads a result file; fails naming the file and what is wrong with it. */
    public static SuiteResult read(Path file) throws IOException {
        JsonNode root = new ObjectMapper().readTree(file.toFile());
        JsonNode list = root.path("figures");
        if (!list.isArray()) {
            throw new IOException(file + ": no \"figures\" array; is it a bench-suite result.json?");
        }
        Map<String, Figure> figures = new LinkedHashMap<>();
        for (JsonNode f : list) {
            List<Double> runs = new ArrayList<>();
            f.path("runs").forEach(r -> runs.add(r.asDouble()));
            if (runs.isEmpty()) {
                throw new IOException(file + ": figure " + f.path("name").asText() + " has no runs");
            }
            figures.put(f.path("name").asText(), new Figure(f.path("name").asText(), f.path("unit").asText(),
                    !"lower".equals(f.path("better").asText("higher")), runs));
        }
        JsonNode m = root.path("machine");
        String machine = String.format(java.util.Locale.ROOT, "%s: %d cores, %s, load average %s",
                m.path("kind").asText("?"), m.path("cores").asInt(), m.path("cpu").asText("?"), m.path("load_average"));
        return new SuiteResult(machine, figures);
    }
}
