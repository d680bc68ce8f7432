package io.tidegate.gateway.remediation;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ActionGuardTest {

    private final List<String> counted = new ArrayList<>();
    private final RecentActions recent = new RecentActions(10);
    private final AtomicInteger fixes = new AtomicInteger();
    private Instant now = Instant.parse("2026-01-01T00:00:00Z");

    private ActionGuard guard(boolean enabled) {
        Clock clock = new Clock() {
            @Override
            public ZoneOffset getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now;
            }
        };
        return new ActionGuard("restart-reader", enabled, 2, Duration.ofMinutes(1),
                (action, outcome) -> counted.add(action + "/" + outcome), recent, clock);
    }

    @Test
    void actionsOverTheRateLimitAreSkippedCountedAndListedUntilThePeriodPassed() {
        ActionGuard guard = guard(true);
        assertThat(guard.attempt("a", "why", fixes::incrementAndGet)).isTrue();
        assertThat(guard.attempt("b", "why", fixes::incrementAndGet)).isTrue();
        assertThat(guard.attempt("c", "why", fixes::incrementAndGet)).isFalse();
        assertThat(fixes).hasValue(2);
        assertThat(counted).containsExactly("restart-reader/done", "restart-reader/done", "restart-reader/rate_limited");
        assertThat(recent.list()).extracting(RemediationRecord::target).containsExactly("c", "b", "a");

        now = now.plus(Duration.ofMinutes(1));
        assertThat(guard.attempt("d", "why", fixes::incrementAndGet)).isTrue();
        assertThat(fixes).hasValue(3);
    }

    @Test
    void aSwitchedOffActionNeverRunsAndLeavesNoTrace() {
        ActionGuard guard = guard(false);
        assertThat(guard.attempt("a", "why", fixes::incrementAndGet)).isFalse();
        assertThat(fixes).hasValue(0);
        assertThat(counted).isEmpty();
        assertThat(recent.list()).isEmpty();
    }

    @Test
    void aFixThatThrowsIsCountedFailed() {
        ActionGuard guard = guard(true);
        assertThat(guard.attempt("a", "why", () -> {
            throw new IllegalStateException("no");
        })).isFalse();
        assertThat(counted).containsExactly("restart-reader/failed");
    }

    @Test
    void theListKeepsOnlyTheNewestRecords() {
        RecentActions few = new RecentActions(2);
        for (int i = 0; i < 5; i++) {
            few.add(new RemediationRecord(i, "x", "done", "t" + i, "why"));
        }
        assertThat(few.list()).extracting(RemediationRecord::target).containsExactly("t4", "t3");
    }
}
