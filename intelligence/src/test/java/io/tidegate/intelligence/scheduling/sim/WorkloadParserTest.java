package io.tidegate.intelligence.scheduling.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidegate.intelligence.scheduling.TrafficClass;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WorkloadParserTest {

    private static final String HEAD = "workload name=t duration=1s\nservice median=60us p99=250us\n";

    @ParameterizedTest
    @ValueSource(strings = {"steady", "burst2x", "regime-shock"})
    void theShippedWorkloadsParse(String name) {
        Workload w = WorkloadParser.resource(name);
        assertThat(w.name()).isEqualTo(name);
        assertThat(w.classes()).hasSize(TrafficClass.COUNT);
        assertThat(w.durationNanos()).isEqualTo(20_000_000_000L);
    }

    @Test
    void fieldsAreReadWithTheirUnits() {
        Workload w = WorkloadParser.parse("t", HEAD + """
                class name=high rate=800 payload=300 kind=Order group=orders deadline=2ms weight=30  # comment
                burst class=HIGH factor=2 start=1s length=200ms every=2s
                slowdown factor=1.5 start=500ms length=100ms
                regime name=volatile share=0.5 start=1s length=1s
                """);
        Workload.ClassLoad high = w.classes().get(0);
        assertThat(high.trafficClass()).isEqualTo(TrafficClass.HIGH);
        assertThat(high.kind()).isEqualTo("order");
        assertThat(high.deadlineNanos()).isEqualTo(2_000_000L);
        assertThat(w.applyTo(io.tidegate.intelligence.scheduling.SchedulingConfig.defaults()).of(1).weight()).isEqualTo(30);
        assertThat(w.rateFactor(TrafficClass.HIGH, 3_100_000_000L)).isEqualTo(2);
        assertThat(w.rateFactor(TrafficClass.HIGH, 3_300_000_000L)).isEqualTo(1);
        assertThat(w.serviceFactor(550_000_000L)).isEqualTo(1.5);
        assertThat(w.regimeOf(0, 1_500_000_000L)).isEqualTo("VOLATILE");
        assertThat(w.regimeOf(63, 1_500_000_000L)).isEqualTo("CALM");
    }

    @Test
    void anUnknownFieldNamesTheLineAndTheKnownFields() {
        assertThatThrownBy(() -> WorkloadParser.parse("bad.workload", HEAD + "class name=HIGH rat=5\n"))
                .isInstanceOf(WorkloadFormatException.class)
                .hasMessage("bad.workload:3: unknown field 'rat' for 'class'; known: deadline, group, kind, name, payload, rate, weight");
    }

    @Test
    void aDurationWithoutAUnitSaysWhichUnitsExist() {
        assertThatThrownBy(() -> WorkloadParser.parse("bad.workload", "workload name=t duration=20\n"))
                .hasMessage("bad.workload:1: duration '20' needs a unit: ns, us, ms or s (e.g. 50ms)");
    }

    @Test
    void otherMistakesAreNamedToo() {
        assertThatThrownBy(() -> WorkloadParser.parse("w", HEAD + "klass name=HIGH\n"))
                .hasMessageStartingWith("w:3: unknown directive 'klass'; use one of");
        assertThatThrownBy(() -> WorkloadParser.parse("w", HEAD + "class name=URGENT rate=1\n"))
                .hasMessage("w:3: unknown class 'URGENT'; use CRITICAL, HIGH, NORMAL, LOW or BULK");
        assertThatThrownBy(() -> WorkloadParser.parse("w", HEAD + "class name=LOW rate=-1\n"))
                .hasMessage("w:3: rate '-1' must be a number >= 0");
        assertThatThrownBy(() -> WorkloadParser.parse("w", HEAD + "class name=LOW rate\n"))
                .hasMessage("w:3: 'rate' is not key=value");
        assertThatThrownBy(() -> WorkloadParser.parse("w", HEAD + "class name=LOW rate=1\nclass name=LOW rate=2\n"))
                .hasMessage("w:4: class LOW is declared twice");
        assertThatThrownBy(() -> WorkloadParser.parse("w", HEAD))
                .hasMessage("w:3: no 'class name=... rate=...' line");
        assertThatThrownBy(() -> WorkloadParser.resource("nope"))
                .hasMessage("no workload 'nope' (looked for /workloads/nope.workload on the classpath)");
    }
}
