package io.tidegate.gateway.backend.memory;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.gateway.backend.EntryId;
import io.tidegate.gateway.backend.StoredMessage;
import io.tidegate.gateway.backend.StreamPosition;
import io.tidegate.proto.v1.Message;
import org.junit.jupiter.api.Test;

class DedupWindowTest {

    private static final long WINDOW = 1000;

    @Test
    void anIdStoredAgainAfterItsWindowExpiresInItsNewPlace() {
        DedupWindow window = new DedupWindow(WINDOW, 100);
        window.remember("a", entry("a", 0));
        window.remember("b", entry("b", 500));

        assertThat(window.find("a", 1200)).as("a's window is over").isNull();
        StoredMessage again = entry("a", 1200);
        window.remember("a", again);
        window.expire(1600);

        assertThat(window.size()).as("b expired although the re-stored a is younger").isEqualTo(1);
        assertThat(window.find("a", 1600)).isSameAs(again);
    }

    @Test
    void capacityBoundsTheIdsKeptHoweverRecent() {
        DedupWindow window = new DedupWindow(WINDOW, 3);
        for (int i = 0; i < 5; i++) {
            window.remember("m" + i, entry("m" + i, 10));
        }
        window.expire(10);

        assertThat(window.size()).isEqualTo(3);
        assertThat(window.find("m0", 10)).isNull();
        assertThat(window.find("m1", 10)).isNull();
        assertThat(window.find("m4", 10)).isNotNull();
    }

    @Test
    void expiryStopsAtTheFirstIdStillInItsWindow() {
        DedupWindow window = new DedupWindow(WINDOW, 100);
        window.remember("old", entry("old", 0));
        window.remember("new", entry("new", 900));
        window.expire(1000);

        assertThat(window.size()).isEqualTo(1);
        assertThat(window.find("new", 1000)).isNotNull();
    }

    private static StoredMessage entry(String id, long millis) {
        return new StoredMessage(new StreamPosition("t", new EntryId(millis, 0)),
                Message.newBuilder().setTopic("t").setId(id).build(), 0, 1);
    }
}
