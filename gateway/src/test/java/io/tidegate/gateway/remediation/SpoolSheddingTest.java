package io.tidegate.gateway.remediation;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.tidegate.gateway.server.RiskGate;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.Priority;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SpoolSheddingTest {

    private final AtomicLong spool = new AtomicLong();
    private final SpoolShedding shedding = new SpoolShedding(RiskGate.OFF, spool::get, 1000, 0.90, 0.95, 0.80,
            new ActionGuard("shed-at-spool", true, 100, Duration.ofMinutes(1), (a, o) -> { }, new RecentActions(10),
                    Clock.systemUTC()));

    private Status.Code answer(Priority p) {
        Status s = shedding.check(null, Message.newBuilder().setPriority(p).build());
        return s == null ? Status.Code.OK : s.getCode();
    }

    private void spoolAt(long bytes) {
        spool.set(bytes);
        shedding.check();
    }

    @Test
    void bulkThenLowAreShedAsTheSpoolFillsAndAcceptedOnlyBelowTheResumeMark() {
        spoolAt(900);
        assertThat(answer(Priority.PRIORITY_BULK)).isEqualTo(Status.Code.OK);
        spoolAt(901);
        assertThat(answer(Priority.PRIORITY_BULK)).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(answer(Priority.PRIORITY_LOW)).isEqualTo(Status.Code.OK);
        spoolAt(951);
        assertThat(answer(Priority.PRIORITY_LOW)).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(answer(Priority.PRIORITY_NORMAL)).isEqualTo(Status.Code.OK);
        assertThat(answer(Priority.PRIORITY_CRITICAL)).isEqualTo(Status.Code.OK);

        spoolAt(850); // between the marks: the state holds
        assertThat(answer(Priority.PRIORITY_LOW)).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        spoolAt(799);
        assertThat(answer(Priority.PRIORITY_BULK)).isEqualTo(Status.Code.OK);
        assertThat(answer(Priority.PRIORITY_LOW)).isEqualTo(Status.Code.OK);
    }
}
