package io.tidegate.intelligence.balancing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CompletionPredictorTest {

    private static final long MS = 1_000_000L;
    private final BalancerSettings settings = BalancerSettings.defaults();

    /** One message at a time, each taking {@code serviceNanos}; returns the time after the last ack. */
    private static long serve(CompletionPredictor p, long from, int messages, long serviceNanos) {
        long t = from;
        for (int i = 0; i < messages; i++) {
            p.delivered(t);
            t += serviceNanos;
            p.acked(t);
        }
        return t;
    }

    @Test
    void aTenfoldSlowdownIsTrackedWithinEightSamples() {
        CompletionPredictor p = new CompletionPredictor(settings, 0);
        long t = serve(p, 0, 100, MS);
        assertThat(p.smoothedServiceNanos()).isCloseTo(MS, org.assertj.core.data.Percentage.withPercentage(1));
        serve(p, t, 8, 10 * MS);
        assertThat(p.smoothedServiceNanos()).isGreaterThan(8 * MS);
    }

    @Test
    void aMessageOutLongerThanTheEstimateRaisesThePredictionBeforeItsAck() {
        CompletionPredictor p = new CompletionPredictor(settings, 0);
        long t = serve(p, 0, 50, MS);
        p.delivered(t);
        double early = p.predictedCompletionNanos(t + MS / 2);
        double stalled = p.predictedCompletionNanos(t + 20 * MS);
        assertThat(early).isLessThan(3 * MS);
        assertThat(stalled).isGreaterThanOrEqualTo(2 * 20.0 * MS);
    }

    @Test
    void outstandingMessagesQueueInThePrediction() {
        CompletionPredictor p = new CompletionPredictor(settings, 0);
        long t = serve(p, 0, 50, MS);
        for (int i = 0; i < 4; i++) {
            p.delivered(t);
        }
        assertThat(p.predictedCompletionNanos(t)).isCloseTo(5.0 * MS, org.assertj.core.data.Offset.offset(0.1 * MS));
        assertThat(settings.withPenalty(QueuePenalty.CUBIC).penalty().apply(MS, 4)).isEqualTo(125.0 * MS);
    }

    @Test
    void afterALongGapTheFirstSampleCountsAlmostFully() {
        CompletionPredictor p = new CompletionPredictor(settings, 0);
        long t = serve(p, 0, 100, 10 * MS);
        assertThat(p.stale(t + settings.staleAfterNanos() + 1)).isTrue();
        serve(p, t + 500 * MS, 1, MS);
        // without the time decay one sample would leave 0.8 * 10 + 0.2 * 1 = 8.2 ms
        assertThat(p.smoothedServiceNanos()).isLessThan(1.5 * MS);
        assertThat(p.stale(t + 500 * MS + MS)).isFalse();
    }

    @Test
    void anAckOrReleaseWithNothingOutstandingIsRejected() {
        CompletionPredictor p = new CompletionPredictor(settings, 0);
        assertThatThrownBy(() -> p.acked(MS)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> p.released(MS)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aReleaseGivesNoSample() {
        CompletionPredictor p = new CompletionPredictor(settings, 0);
        long t = serve(p, 0, 20, MS);
        p.delivered(t);
        p.released(t + 50 * MS);
        assertThat(p.outstanding()).isZero();
        assertThat(p.samples()).isEqualTo(20);
        assertThat(p.smoothedServiceNanos()).isCloseTo(MS, org.assertj.core.data.Percentage.withPercentage(1));
    }
}
