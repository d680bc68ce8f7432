package io.tidegate.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tidegate.gateway.backend.AppendResult;
import io.tidegate.gateway.backend.Envelope;
import io.tidegate.gateway.backend.memory.MemoryBackend;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.intelligence.scheduling.sim.Workload;
import io.tidegate.intelligence.scheduling.sim.WorkloadParser;
import io.tidegate.proto.v1.Message;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ServiceTimeBackendTest {

    private static final Workload FIXED = WorkloadParser.parse("fixed", """
            workload name=fixed duration=10s keys=4
            service  dist=fixed median=100us per-kib=8us
            class name=NORMAL rate=100 payload=1024 kind=quote
            slowdown factor=1.5 start=2s length=1s
            """);

    @Test
    void aBatchTakesItsMessagesServiceTimesStretchedAndSlowedWhereTheWorkloadSlowsDown() {
        AtomicLong workloadTime = new AtomicLong(0);
        try (ServiceTimeBackend backend = new ServiceTimeBackend(new MemoryBackend(GatewayConfig.defaultsWith().storage()),
                FIXED, 2, workloadTime::get)) {
            List<Envelope> batch = List.of(envelope(1024), envelope(1024), envelope(0));
            // (108 + 108 + 100) µs, twice as long
            assertThat(backend.serviceNanos(batch)).isEqualTo(632_000);
            workloadTime.set(2_500_000_000L);
            assertThat(backend.serviceNanos(batch)).isEqualTo(948_000);
        }
    }

    @Test
    void appendsAreStoredAndAnsweredInTheOrderIssued() throws Exception {
        try (ServiceTimeBackend backend = new ServiceTimeBackend(new MemoryBackend(GatewayConfig.defaultsWith().storage()),
                FIXED, 1, () -> 0)) {
            var first = backend.append(List.of(envelope(10)));
            var second = backend.append(List.of(envelope(10), envelope(10)));

            List<AppendResult> secondResults = second.get(10, TimeUnit.SECONDS);
            assertThat(first).isDone();
            assertThat(first.get()).hasSize(1);
            assertThat(secondResults).hasSize(2).noneMatch(AppendResult::refused);
        }
    }

    private static Envelope envelope(int payloadBytes) {
        return new Envelope(Message.newBuilder().setTopic("bench.t0").setPayload(ByteString.copyFrom(new byte[payloadBytes]))
                .build(), "k", 0);
    }
}
