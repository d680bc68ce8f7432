package io.tidegate.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class StreamPositionTest {

    @Test
    void millisAndSequenceAreReadFromTheEntryId() {
        StreamPosition p = new StreamPosition("prices", "1700000000000-42");

        assertThat(p.millis()).isEqualTo(1700000000000L);
        assertThat(p.sequence()).isEqualTo(42);
        assertThat(new StreamPosition("prices", "17").sequence()).isZero();
        assertThat(new StreamPosition("prices", "17").millis()).isEqualTo(17);
    }

    @Test
    void positionsOrderByEntryIdNumericallyNotAsText() {
        StreamPosition nine = new StreamPosition("t", "9-0");
        StreamPosition ten = new StreamPosition("t", "10-0");
        StreamPosition tenSeqTwo = new StreamPosition("t", "10-2");
        StreamPosition tenSeqTen = new StreamPosition("t", "10-10");

        assertThat(nine).isLessThan(ten);
        assertThat(tenSeqTwo).isLessThan(tenSeqTen);
        assertThat(nine.isBefore(tenSeqTen)).isTrue();
        assertThat(tenSeqTen.isBefore(nine)).isFalse();
        assertThat(nine.isBefore(new StreamPosition("u", "10-0"))).isFalse();
    }

    @Test
    void anEntryIdThatIsNotNumericFailsWhenRead() {
        assertThatThrownBy(() -> new StreamPosition("t", "x-1").millis()).isInstanceOf(NumberFormatException.class);
        assertThatThrownBy(() -> new StreamPosition("t", "1-").sequence()).isInstanceOf(NumberFormatException.class);
    }
}
