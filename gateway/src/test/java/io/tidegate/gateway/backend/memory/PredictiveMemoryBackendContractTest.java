package io.tidegate.gateway.backend.memory;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The whole backend contract again with {@code delivery.balancer = predictive} (acks,
 * redelivery, dead letters and strict key order must not change), plus what predictive
 * balancing is for: a member 10× slower than the others gets few messages, with nothing lost or
 * duplicated and key order kept.
 */
class PredictiveMemoryBackendContractTest extends MemoryBackendContractTest {

    @Override
    protected List<String> baseOverrides() {
        List<String> all = new ArrayList<>(super.baseOverrides());
        all.add("delivery.balancer=predictive");
        return all;
    }

    @Test
    void aSlowMemberGetsFewMessagesAndNothingIsLostOrDuplicated() throws Exception {
        start();
        slowMemberGotLittle(slowMemberRun(List.of(backend, backend, backend, backend), false));
    }

    @Test
    void strictMembersKeepKeyOrderWhileTheSlowOneIsAvoided() throws Exception {
        start();
        slowMemberRun(List.of(backend, backend, backend, backend), true);
    }

    /** The same run under pull: the slow member takes about its share, so the run tells the two apart. */
    @Test
    void underPullTheSlowMemberTakesAboutItsShare() throws Exception {
        start("delivery.balancer=pull");
        slowMemberTookItsShare(slowMemberRun(List.of(backend, backend, backend, backend), false));
    }
}
