package io.tidegate.intelligence.regime;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Prints the detector against the baseline: on generated series (test seeds, never the calibration seeds)
 * accuracy, macro-F1, per-class precision/recall, the confusion matrix and detection delays; on the
 * recorded venue samples (no labels) each instrument's regime timeline, switches per 1,000 quotes and
 * event-time share per regime. Run from the repository root:
 * {@code ./mvnw -q -pl intelligence compile exec:java -Dexec.skip=false -Dexec.mainClass=io.tidegate.intelligence.regime.RegimeEvaluation
 * [-Dexec.args="--seeds 1-10 --events 60000 --samples sdk-examples/python/samples"]}. Single-threaded.
 */
public final class RegimeEvaluation {
    private static final PrintStream OUT = System.out;

    private RegimeEvaluation() {
    }

    public static void main(String[] args) throws IOException {
        long firstSeed = 1;
        long lastSeed = 10;
        int events = SeriesEvaluation.DEFAULT_EVENTS;
        Path samples = null;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--seeds" -> {
                    String[] range = args[i + 1].split("-");
                    firstSeed = Long.parseLong(range[0]);
                    lastSeed = Long.parseLong(range[range.length - 1]);
                }
                case "--events" -> events = Integer.parseInt(args[i + 1]);
                case "--samples" -> samples = Path.of(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + "; use --seeds A-B, --events N, --samples DIR");
            }
        }
        long[] seeds = new long[(int) (lastSeed - firstSeed + 1)];
        for (int i = 0; i < seeds.length; i++) {
            seeds[i] = firstSeed + i;
        }
        RegimeSettings settings = RegimeSettings.defaults();
        OUT.printf(Locale.ROOT, "Generated series: seeds %d-%d, each a BTC-like (seed) and an altcoin-like (seed+%d) series of "
                + "%,d quotes, the first %,d (warm-up) not scored; %s%n", firstSeed, lastSeed,
                SeriesEvaluation.ALTCOIN_SEED_OFFSET, events, RegimeSeriesGenerator.WARMUP_EVENTS, settings);
        SeriesEvaluation detector = SeriesEvaluation.run(seeds, events, () -> new RegimeDetector(settings));
        SeriesEvaluation baseline = SeriesEvaluation.run(seeds, events, () -> new ThresholdRegimeRule(settings));
        report("detector (RegimeDetector)", detector);
        report("baseline (ThresholdRegimeRule)", baseline);
        OUT.printf(Locale.ROOT, "%nmacro-F1 detector - baseline per seed:");
        double[] d = detector.macroF1PerSeed();
        double[] b = baseline.macroF1PerSeed();
        for (int i = 0; i < d.length; i++) {
            OUT.printf(Locale.ROOT, " %+.3f", d[i] - b[i]);
        }
        OUT.println();

        Path dir = samples != null ? samples : sampleDir();
        if (dir != null) {
            venueSamples(dir, settings);
        } else {
            OUT.println("\nno venue samples found (pass --samples DIR)");
        }
    }

    private static void report(String name, SeriesEvaluation e) {
        ClassificationScore s = e.pooled();
        DetectionDelays dl = e.delays();
        OUT.printf(Locale.ROOT, "%n== %s%n", name);
        OUT.printf(Locale.ROOT, "accuracy %.3f +- %.3f, macro-F1 %.3f +- %.3f (mean +- sd over seeds); pooled: accuracy %.3f, macro-F1 %.3f%n",
                e.meanAccuracy(), e.sdAccuracy(), e.meanMacroF1(), e.sdMacroF1(), s.accuracy(), s.macroF1());
        OUT.printf(Locale.ROOT, "detection delay (events after a true switch): mean %.1f, p50 %d, p90 %d; "
                + "%d switches detected, %d missed (segment ended first)%n",
                dl.mean(), dl.quantile(0.5), dl.quantile(0.9), dl.detected(), dl.missed());
        OUT.printf(Locale.ROOT, "switches per 1,000 quotes: %.2f (truth %.2f)%n", e.switchesPerThousand(),
                e.trueSwitchesPerThousand());
        OUT.println("class          precision recall  F1");
        for (Regime r : Regime.values()) {
            OUT.printf(Locale.ROOT, "%-14s %.3f     %.3f   %.3f%n", r, s.precision(r), s.recall(r), s.f1(r));
        }
        OUT.print("confusion (rows true, columns predicted):\n               ");
        for (Regime r : Regime.values()) {
            OUT.printf(Locale.ROOT, "%14s", r);
        }
        OUT.println();
        for (Regime t : Regime.values()) {
            OUT.printf(Locale.ROOT, "%-14s ", t);
            for (Regime p : Regime.values()) {
                OUT.printf(Locale.ROOT, "%14d", s.count(t, p));
            }
            OUT.println();
        }
    }

    private static Path sampleDir() {
        for (String candidate : new String[] {"sdk-examples/python/samples", "../sdk-examples/python/samples"}) {
            if (Files.isDirectory(Path.of(candidate))) {
                return Path.of(candidate);
            }
        }
        return null;
    }

    private static void venueSamples(Path dir, RegimeSettings settings) throws IOException {
        List<Path> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList();
        }
        OUT.printf(Locale.ROOT, "%nRecorded venue samples in %s (no labels)%n", dir);
        for (Path file : files) {
            VenueSampleReader reader = VenueSampleReader.read(file);
            Map<String, List<VenueSampleReader.Event>> byInstrument = new LinkedHashMap<>();
            for (VenueSampleReader.Event e : reader.events()) {
                byInstrument.computeIfAbsent(e.venue() + "." + e.symbol(), k -> new ArrayList<>()).add(e);
            }
            OUT.printf(Locale.ROOT, "%s: %d quote/trade messages, %d other or malformed lines skipped%n",
                    file.getFileName(), reader.events().size(), reader.skipped());
            for (Map.Entry<String, List<VenueSampleReader.Event>> inst : byInstrument.entrySet()) {
                sampleTimeline(inst.getKey(), inst.getValue(), "detector", () -> new RegimeDetector(settings));
                sampleTimeline(inst.getKey(), inst.getValue(), "baseline", () -> new ThresholdRegimeRule(settings));
            }
        }
    }

    private static void sampleTimeline(String instrument, List<VenueSampleReader.Event> events, String name,
                                       Supplier<RegimeClassifier> classifiers) {
        RegimeClassifier c = classifiers.get();
        long[] share = new long[Regime.count()];
        int quotes = 0;
        int trades = 0;
        int switches = 0;
        StringBuilder timeline = new StringBuilder();
        long prevTs = Long.MIN_VALUE;
        Regime prev = c.regime();
        for (VenueSampleReader.Event e : events) {
            if (prevTs != Long.MIN_VALUE) {
                share[prev.ordinal()] += Math.max(0, e.tsEvent() - prevTs);
            }
            boolean changed = e.quote()
                    ? c.onQuote(e.tsEvent(), e.bid(), e.ask(), e.bidSize(), e.askSize())
                    : c.onTrade(e.tsEvent(), e.price(), e.size());
            quotes += e.quote() ? 1 : 0;
            trades += e.quote() ? 0 : 1;
            if (changed) {
                switches++;
                timeline.append(String.format(Locale.ROOT, " %d:%s", e.tsEvent(), c.regime()));
            }
            prevTs = Math.max(prevTs, e.tsEvent());
            prev = c.regime();
        }
        long total = 0;
        for (long s : share) {
            total += s;
        }
        StringBuilder shares = new StringBuilder();
        for (Regime r : Regime.values()) {
            if (share[r.ordinal()] > 0 || (total == 0 && r == c.regime())) {
                shares.append(String.format(Locale.ROOT, " %s %.0f%%", r,
                        total == 0 ? 100.0 : 100.0 * share[r.ordinal()] / total));
            }
        }
        OUT.printf(Locale.ROOT, "  %-18s %-8s %4d quotes %4d trades, %s; switches %d (%.1f per 1,000 quotes); time share:%s; changes:%s%n",
                instrument, name, quotes, trades, c.confidence() == 0 ? "still in warm-up" : "classified",
                switches, quotes == 0 ? 0.0 : 1000.0 * switches / quotes, shares,
                timeline.length() == 0 ? " none" : timeline);
    }
}
