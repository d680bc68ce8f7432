package io.tidegate.intelligence.regime;

import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * Measures the cost per quote of the {@link RegimeDetector} and the {@link ThresholdRegimeRule}: replays
 * generated series (BTC-like and altcoin-like instruments interleaved in blocks, one classifier each)
 * after a warm-up, timing with {@link System#nanoTime()} and counting this thread's allocated bytes with
 * {@code com.sun.management.ThreadMXBean#getThreadAllocatedBytes}. Run from the repository root:
 * {@code ./mvnw -q -pl intelligence compile exec:java -Dexec.skip=false -Dexec.mainClass=io.tidegate.intelligence.regime.RegimeDetectorBench
 * [-Dexec.args="ROUNDS"]}. Single-threaded.
 */
public final class RegimeDetectorBench {
    private static final int EVENTS = 1_000_000;
    private static final int BLOCK = 64;

    private RegimeDetectorBench() {
    }

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        GeneratedSeries btc = RegimeSeriesGenerator.generate(7, InstrumentProfile.BTC_LIKE, EVENTS);
        GeneratedSeries alt = RegimeSeriesGenerator.generate(507, InstrumentProfile.ALTCOIN_LIKE, EVENTS);
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        RegimeSettings settings = RegimeSettings.defaults();
        System.out.printf(Locale.ROOT, "%,d quotes per round (2 instruments x %,d), %d measured rounds after 3 warm-up rounds%n",
                2 * EVENTS, EVENTS, rounds);
        for (String name : new String[] {"detector", "baseline"}) {
            for (int round = -3; round < rounds; round++) {
                RegimeClassifier a = name.equals("detector") ? new RegimeDetector(settings) : new ThresholdRegimeRule(settings);
                RegimeClassifier b = name.equals("detector") ? new RegimeDetector(settings) : new ThresholdRegimeRule(settings);
                long bytes0 = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
                long t0 = System.nanoTime();
                long sink = run(btc, alt, a, b);
                long t1 = System.nanoTime();
                long bytes1 = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
                if (round >= 0) {
                    System.out.printf(Locale.ROOT, "%s round %d: %.1f ns/quote, %.4f bytes allocated/quote (changes %d)%n",
                            name, round, (double) (t1 - t0) / (2.0 * EVENTS), (double) (bytes1 - bytes0) / (2.0 * EVENTS), sink);
                }
            }
        }
    }

    /** Feeds both series in interleaved blocks, as a gateway thread serving two instruments would. */
    private static long run(GeneratedSeries x, GeneratedSeries y, RegimeClassifier a, RegimeClassifier b) {
        long changes = 0;
        for (int from = 0; from < EVENTS; from += BLOCK) {
            int to = Math.min(EVENTS, from + BLOCK);
            changes += feed(x, a, from, to);
            changes += feed(y, b, from, to);
        }
        return changes;
    }

    private static int feed(GeneratedSeries s, RegimeClassifier c, int from, int to) {
        int changes = 0;
        long[] ts = s.ts();
        double[] bid = s.bid();
        double[] ask = s.ask();
        double[] bidSize = s.bidSize();
        double[] askSize = s.askSize();
        for (int i = from; i < to; i++) {
            if (c.onQuote(ts[i], bid[i], ask[i], bidSize[i], askSize[i])) {
                changes++;
            }
        }
        return changes;
    }
}
