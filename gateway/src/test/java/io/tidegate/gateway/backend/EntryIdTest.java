package io.tidegate.gateway.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EntryIdTest {

    @ParameterizedTest
    @ValueSource(strings = {"0-0", "1-0", "1700000000000-0", "1700000000000-42", "9-10", "10-9",
            "9223372036854775807-9223372036854775807"})
    void bytesFromTheTwoNumbersAreTheTextToStringPrintsAndBothParsesReadIt(String text) {
        EntryId id = EntryId.parse(text);

        assertThat(id.toByteString().toStringUtf8()).isEqualTo(text).isEqualTo(id.toString());
        assertThat(EntryId.parseAscii(text.getBytes(StandardCharsets.US_ASCII))).isEqualTo(id);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-", "-1", "1-", "12", "a-1", "1-b", "1-2-3", "1--2", " 1-2",
            "9223372036854775808-0", "1-99999999999999999999"})
    void malformedIdBytesAreRefusedSayingTheExpectedForm(String text) {
        assertThatThrownBy(() -> EntryId.parseAscii(text.getBytes(StandardCharsets.US_ASCII)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not of the form <millis>-<seq>");
    }
}
