package io.tidegate.intelligence.scheduling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class QTableTest {

    private static QTable read(String text) {
        return QTable.read(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void knownValuesSurviveTheTextFormAndUnknownOnesStayUnknown() throws IOException {
        QTable t = new QTable();
        t.set(17, 2, 0f);
        t.set(17, 3, 1.25f);
        StringWriter out = new StringWriter();
        t.write(out);
        QTable back = read(out.toString());
        assertThat(back.get(17, 3)).isEqualTo(1.25f);
        assertThat(back.get(17, 2)).isZero();
        assertThat(back.get(17, 0)).isNaN();
        assertThat(back.knownStates()).isEqualTo(1);
    }

    @Test
    void theBestKnownNonEmptyClassIsChosenAndAnUnknownStateAnswersNone() {
        QTable t = read("5 - 0 1.5 - 9 - 2.5 - - -\n");
        LaneSnapshot lanes = new LaneSnapshot().at(0, 0, 0).lane(1, 1, 0).lane(2, 1, 0);
        // BULK has the top value but its lane is empty; HIGH on-time first beats NORMAL oldest first
        assertThat(t.best(5, lanes)).isEqualTo(QTable.action(TrafficClass.HIGH.ordinal(), true));
        assertThat(t.best(6, lanes)).isEqualTo(DispatchPolicy.NONE);
    }

    @Test
    void aMalformedLineIsReportedWithItsNumber() {
        assertThatThrownBy(() -> read("# header\n5 1 2 3 4 5\n")).hasMessageStartingWith("Q-table line 2: expected a state in [0, " + StateEncoder.STATES + ") and 10 values");
        assertThatThrownBy(() -> read("5 1 2 x 4 5 - - - - -\n")).hasMessage("Q-table line 1: not a number in '5 1 2 x 4 5 - - - - -'");
    }

    @Test
    void theLearnedPolicyDecidesAsStrictWhereTheTableKnowsNothing() {
        LearnedPolicy learned = new LearnedPolicy(new QTable(), PolicyFactory.encoder(SchedulingConfig.defaults()));
        LaneSnapshot lanes = new LaneSnapshot().at(10_000_000, 80_000, 0).lane(1, 4, 9_000_000).lane(4, 100, 0);
        assertThat(learned.choose(lanes)).isEqualTo(TrafficClass.HIGH.ordinal());
        assertThat(learned.onTimeFirst()).isFalse();
    }

    @Test
    void theLearnedPolicyCarriesTheOrderWithinTheClassOfItsAction() {
        StateEncoder encoder = PolicyFactory.encoder(SchedulingConfig.defaults());
        LaneSnapshot lanes = new LaneSnapshot().at(100_000_000, 80_000, 0).lane(2, 40, 10_000_000).keys(2, 3, 5);
        QTable t = new QTable();
        t.set(encoder.encode(lanes), QTable.action(2, false), 0f);
        t.set(encoder.encode(lanes), QTable.action(2, true), 4f);
        LearnedPolicy learned = new LearnedPolicy(t, encoder);
        assertThat(learned.choose(lanes)).isEqualTo(2);
        assertThat(learned.onTimeFirst()).isTrue();
    }
}
