package io.tidegate.bench.suite;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where the time goes in a JFR recording, for the benchmark suite's report on a missed target: the
 * execution samples ({@code jdk.ExecutionSample}) shared out by owner, and the methods that were on
 * top of the stack most often (self samples). Built once by {@link #read}; immutable after.
 *
 * <p>The owner of a sample is the package of its first frame, from the top, outside the JDK, put in
 * one of the buckets of {@link #OWNERS}; a stack with JDK frames only is owned by "jdk".
 *
 * <p>{@code java -cp ... io.tidegate.bench.suite.ProfileSummary FILE.jfr [TOP]} prints the summary
 * as one JSON object (what {@code scripts/bench_suite.py} reads).
 *
 * @param samples execution samples in the recording
 * @param owners samples per owner bucket, most first (buckets without samples left out)
 * @param topMethods the methods with the most self samples, most first
 */
public record ProfileSummary(long samples, List<Count> owners, List<Count> topMethods) {

    /** Owner buckets by package prefix, checked in order; what matches none is "other". */
    static final List<Map.Entry<String, String>> OWNERS = List.of(
            Map.entry("io.tidegate.gateway.", "io.tidegate.gateway"),
            Map.entry("io.tidegate.sdk.", "io.tidegate.sdk"),
            Map.entry("com.google.protobuf.", "protobuf"),
            // the generated messages' parsing and writing is protobuf's work too
            Map.entry("io.tidegate.proto.", "protobuf"),
            Map.entry("io.tidegate.bench.", "load tool"),
            Map.entry("io.lettuce.", "io.lettuce"),
            // gRPC's shaded Netty is Netty's work, not gRPC's: bucket it before io.grpc
            Map.entry("io.grpc.netty.shaded.io.netty.", "io.netty"),
            Map.entry("io.grpc.", "io.grpc"),
            Map.entry("io.netty.", "io.netty"));

    private static final List<String> JDK = List.of("java.", "javax.", "jdk.", "sun.", "com.sun.");

    /** A name and its sample count, with its share of all samples. */
    public record Count(String name, long samples, double share) {}

    public ProfileSummary {
        owners = List.copyOf(owners);
        topMethods = List.copyOf(topMethods);
    }

    /** Reads every execution sample of {@code jfr}; keeps the {@code top} busiest methods. */
    public static ProfileSummary read(Path jfr, int top) throws IOException {
        Map<String, Long> owners = new LinkedHashMap<>();
        Map<String, Long> methods = new LinkedHashMap<>();
        long samples = 0;
        try (RecordingFile file = new RecordingFile(jfr)) {
            while (file.hasMoreEvents()) {
                RecordedEvent e = file.readEvent();
                RecordedStackTrace stack = e.getStackTrace();
                if (!"jdk.ExecutionSample".equals(e.getEventType().getName()) || stack == null
                        || stack.getFrames().isEmpty()) {
                    continue;
                }
                samples++;
                owners.merge(owner(stack.getFrames()), 1L, Long::sum);
                methods.merge(method(stack.getFrames().get(0)), 1L, Long::sum);
            }
        }
        return new ProfileSummary(samples, ranked(owners, samples, Integer.MAX_VALUE), ranked(methods, samples, top));
    }

    /** The owner bucket of a stack: its first non-JDK frame's, from the top. */
    static String owner(List<RecordedFrame> frames) {
        for (RecordedFrame f : frames) {
            String type = f.getMethod().getType().getName();
            if (JDK.stream().noneMatch(type::startsWith)) {
                return OWNERS.stream().filter(o -> type.startsWith(o.getKey())).map(Map.Entry::getValue)
                        .findFirst().orElse("other");
            }
        }
        return "jdk";
    }

    private static String method(RecordedFrame f) {
        return f.getMethod().getType().getName() + "." + f.getMethod().getName();
    }

    private static List<Count> ranked(Map<String, Long> counts, long total, int limit) {
        List<Count> out = new ArrayList<>();
        counts.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()).thenComparing(Map.Entry.comparingByKey()))
                .limit(limit)
                .forEach(c -> out.add(new Count(c.getKey(), c.getValue(), total == 0 ? 0 : (double) c.getValue() / total)));
        return out;
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: ProfileSummary FILE.jfr [TOP (15)]");
            System.exit(2);
        }
        ProfileSummary s = read(Path.of(args[0]), args.length == 2 ? Integer.parseInt(args[1]) : 15);
        System.out.println(new ObjectMapper().writeValueAsString(s));
    }
}
