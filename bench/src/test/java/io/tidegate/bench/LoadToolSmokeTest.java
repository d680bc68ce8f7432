package io.tidegate.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
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
    void gatewayConfigReachesTheEmbeddedGateway() {
        String[] args = {"--embedded", "memory", "--duration", "1s",
                "--gateway-config", "dispatch.workers.min=3,dispatch.workers.max=2"};
        assertThatThrownBy(() -> LoadTool.run(LoadOptions.parse(args),
                        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)))
                .hasMessageContaining("dispatch.workers.min (3) must not exceed dispatch.workers.max (2)");
    }
}
