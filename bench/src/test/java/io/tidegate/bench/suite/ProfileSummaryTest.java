package io.tidegate.bench.suite;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProfileSummaryTest {

    @TempDir
    static Path dir;

    private static Path jfr;

    /** Records about 600 ms of this thread spinning in {@link #spin}, with JFR's profile settings. */
    @BeforeAll
    static void record() throws Exception {
        jfr = dir.resolve("spin.jfr");
        try (Recording r = new Recording(Configuration.getConfiguration("profile"))) {
            r.start();
            long sink = 0;
            long end = System.nanoTime() + 600_000_000L;
            while (System.nanoTime() < end) {
                sink += spin(sink);
            }
            r.stop();
            r.dump(jfr);
            assertThat(sink).isNotZero();
        }
    }

    /** The known hot method: pure arithmetic, so the samples land in it and not in a JDK call. */
    static long spin(long seed) {
        long x = seed | 1;
        for (int i = 0; i < 200_000; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
        }
        return x;
    }

    @Test
    void theBusyMethodRanksFirstBySelfSamples() throws Exception {
        ProfileSummary s = ProfileSummary.read(jfr, 15);

        assertThat(s.samples()).isGreaterThan(10);
        assertThat(s.topMethods()).isNotEmpty().hasSizeLessThanOrEqualTo(15);
        assertThat(s.topMethods().get(0).name()).isEqualTo(ProfileSummaryTest.class.getName() + ".spin");
        assertThat(s.topMethods().get(0).share()).isGreaterThan(0.5);
    }

    @Test
    void theBenchPackageIsTheLoadToolsAndSharesAddUpToOne() throws Exception {
        ProfileSummary s = ProfileSummary.read(jfr, 15);

        assertThat(s.owners().get(0).name()).isEqualTo("load tool");
        assertThat(s.owners().stream().mapToLong(ProfileSummary.Count::samples).sum()).isEqualTo(s.samples());
    }

    @Test
    void mainPrintsTheSummaryAsJson() throws Exception {
        PrintStream stdout = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            ProfileSummary.main(new String[] {jfr.toString(), "3"});
        } finally {
            System.setOut(stdout);
        }
        JsonNode json = new ObjectMapper().readTree(buf.toString(StandardCharsets.UTF_8));
        assertThat(json.path("samples").asLong()).isGreaterThan(10);
        assertThat(json.path("topMethods")).hasSizeLessThanOrEqualTo(3);
        assertThat(json.path("topMethods").get(0).path("name").asText()).endsWith("ProfileSummaryTest.spin");
        assertThat(json.path("owners").get(0).path("share").asDouble()).isGreaterThan(0.5);
    }
}
