package io.tidegate.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** A flood of refusals is counted in full but writes a bounded number of audit lines, and says how many it suppressed. */
class AuthRefusalsTest {

    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    @BeforeEach
    void capture() {
        lines.start();
        ((Logger) LoggerFactory.getLogger("tidegate.audit")).addAppender(lines);
    }

    @AfterEach
    void release() {
        ((Logger) LoggerFactory.getLogger("tidegate.audit")).detachAppender(lines);
    }

    @Test
    void aFloodIsCountedWholeButLoggedWithinTheBudgetAndTheNextLineSaysHowManyWereSuppressed() {
        AuthRefusals refusals = new AuthRefusals(now::get);
        Refusal expired = new Refusal(Refusal.Reason.EXPIRED, "the JWT expired");
        for (int i = 0; i < 1000; i++) {
            refusals.refused(expired, "", "/127.0.0.1:5000", "grpc tidegate.v1.GatewayService/Connect");
        }
        assertThat(refusals.counts().get(Refusal.Reason.EXPIRED)).isEqualTo(1000);
        assertThat(lines.list).hasSize(AuthRefusals.BURST);

        now.addAndGet(1_000_000_000L); // a second later: budget for LINES_PER_SECOND lines
        refusals.refused(expired, "", "/127.0.0.1:5000", "grpc tidegate.v1.GatewayService/Connect");
        ILoggingEvent last = lines.list.get(lines.list.size() - 1);
        assertThat(last.getFormattedMessage()).contains("reason=expired", "suppressed " + (1000 - AuthRefusals.BURST));
        assertThat(last.getKeyValuePairs()).anySatisfy(kv -> {
            assertThat(kv.key).isEqualTo("suppressed");
            assertThat(kv.value).isEqualTo((long) (1000 - AuthRefusals.BURST));
        });
    }

    @Test
    void eachReasonHasItsOwnBudget() {
        AuthRefusals refusals = new AuthRefusals(now::get);
        for (int i = 0; i < 100; i++) {
            refusals.refused(new Refusal(Refusal.Reason.UNKNOWN_TOKEN, "unknown"), "", "p", "a");
        }
        refusals.refused(new Refusal(Refusal.Reason.WRONG_AUDIENCE, "aud"), "", "p", "a");
        assertThat(lines.list).hasSize(AuthRefusals.BURST + 1);
        assertThat(lines.list.get(AuthRefusals.BURST).getFormattedMessage()).contains("reason=wrong_audience");
        assertThat(refusals.counts()).containsEntry(Refusal.Reason.MISSING_CREDENTIALS, 0L);
    }
}
