package io.tidegate.intelligence.scheduling;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeyOrderedLanesTest {

    private static final long MS = 1_000_000L;
    private static final int NORMAL = TrafficClass.NORMAL.ordinal(); // 50 ms deadline
    private static final int HIGH = TrafficClass.HIGH.ordinal();
    private static final long LATENCY = 100_000L;

    private final KeyOrderedLanes<String> lanes = new KeyOrderedLanes<>(SchedulingConfig.defaults());
    private final List<String> out = new ArrayList<>();

    private void drain(int c, boolean onTimeFirst, long now) {
        lanes.drain(c, 1, onTimeFirst, now, LATENCY, (m, cls, promoted) -> out.add(m + (promoted ? "^" : "")));
    }

    @Test
    void oldestFirstDrainsTheClassInArrivalOrder() {
        lanes.add("a1", "a", NORMAL, 0);
        lanes.add("b1", "b", NORMAL, 1);
        lanes.add("a2", "a", NORMAL, 2);
        for (int i = 0; i < 3; i++) {
            drain(NORMAL, false, 100 * MS);
        }
        assertThat(out).containsExactly("a1", "b1", "a2");
        assertThat(lanes.size()).isZero();
    }

    @Test
    void onTimeFirstServesAKeyThatCanStillMakeItBeforeAKeyWhoseHeadIsAlreadyLate() {
        lanes.add("a1", "a", NORMAL, 0);          // late at 60 ms: waited past the 50 ms deadline
        lanes.add("a2", "a", NORMAL, 30 * MS);    // could make it, but only behind a1
        lanes.add("b1", "b", NORMAL, 40 * MS);    // on time, nothing ahead of it
        LaneSnapshot s = new LaneSnapshot().at(60 * MS, LATENCY, 0);
        lanes.fill(s);
        assertThat(s.onTimeKeys(NORMAL)).isEqualTo(1);
        assertThat(s.lateKeys(NORMAL)).isEqualTo(1);
        assertThat(s.oldestWait(NORMAL)).isEqualTo(60 * MS); // the rails still see the oldest

        drain(NORMAL, true, 60 * MS);
        drain(NORMAL, true, 60 * MS);
        drain(NORMAL, true, 60 * MS);
        // b1 first; then the late key, in its own order
        assertThat(out).containsExactly("b1", "a1", "a2");
    }

    @Test
    void aLateKeyIsServedUntilItCatchesUpAndThenCountsAsOnTimeAgain() {
        lanes.add("a1", "a", NORMAL, 0);
        lanes.add("a2", "a", NORMAL, 1 * MS);
        lanes.add("a3", "a", NORMAL, 59 * MS);
        lanes.add("b1", "b", NORMAL, 0);
        LaneSnapshot s = new LaneSnapshot().at(60 * MS, LATENCY, 0);
        lanes.fill(s);
        assertThat(s.lateKeys(NORMAL)).isEqualTo(2);

        drain(NORMAL, true, 60 * MS);
        drain(NORMAL, true, 60 * MS);
        assertThat(out).containsExactly("a1", "a2"); // stays on key a while its head is late
        lanes.fill(s);
        assertThat(s.onTimeKeys(NORMAL)).isEqualTo(1); // a3 can make it
        assertThat(s.lateKeys(NORMAL)).isEqualTo(1);
        drain(NORMAL, true, 60 * MS);
        drain(NORMAL, true, 60 * MS);
        assertThat(out).containsExactly("a1", "a2", "a3", "b1");
    }

    @Test
    void earlierMessagesOfTheKeyInOtherClassesRideAlongWhateverTheOrderWithinTheClass() {
        lanes.add("x1", "x", NORMAL, 0);
        lanes.add("x2", "x", HIGH, 1 * MS);
        lanes.add("y1", "y", HIGH, 2 * MS);
        drain(HIGH, true, 3 * MS);
        drain(HIGH, true, 3 * MS);
        assertThat(out).containsExactly("x1^", "x2", "y1");
        assertThat(lanes.depth(NORMAL)).isZero();
        assertThat(lanes.size()).isZero();
    }

    @Test
    void aCopyDrainsExactlyAsTheOriginalAndIndependentlyOfIt() {
        for (int i = 0; i < 200; i++) {
            lanes.add("m" + i, i % 7 == 0 ? null : "k" + (i % 5), i % 3 == 0 ? HIGH : NORMAL, i * MS / 2);
        }
        LaneSnapshot s = new LaneSnapshot().at(80 * MS, LATENCY, 0);
        lanes.fill(s);
        drain(NORMAL, true, 80 * MS);
        KeyOrderedLanes<String> copy = lanes.copy();
        List<String> fromCopy = new ArrayList<>();
        List<String> fromOriginal = drainAll(lanes);
        while (copy.size() > 0) {
            int c = copy.depth(HIGH) > 0 && fromCopy.size() % 2 == 0 ? HIGH : copy.depth(NORMAL) > 0 ? NORMAL : HIGH;
            copy.drain(c, 1, true, 90 * MS, LATENCY, (m, cls, promoted) -> fromCopy.add(m));
        }
        assertThat(fromCopy).isEqualTo(fromOriginal);
        assertThat(fromOriginal).hasSize(199);
    }

    private List<String> drainAll(KeyOrderedLanes<String> l) {
        List<String> got = new ArrayList<>();
        while (l.size() > 0) {
            int c = l.depth(HIGH) > 0 && got.size() % 2 == 0 ? HIGH : l.depth(NORMAL) > 0 ? NORMAL : HIGH;
            l.drain(c, 1, true, 90 * MS, LATENCY, (m, cls, promoted) -> got.add(m));
        }
        return got;
    }
}
