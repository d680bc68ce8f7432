package io.tidegate.gateway.backend.redis;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The whole Redis backend contract again with {@code delivery.balancer = predictive}, plus a
 * member 10× slower than the others getting few messages, on one replica and with the members
 * split over two replicas (the slow one with a fast one), nothing lost or duplicated, and key
 * order kept for strict members.
 */
class PredictiveRedisBackendContractTest extends RedisBackendContractTest {

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
    void aSlowMemberGetsFewMessagesWithTheGroupSplitOverTwoReplicas() throws Exception {
        var first = start();
        var second = startAnother();
        slowMemberGotLittle(slowMemberRun(List.of(first, first, second, second), false));
    }

    @Test
    void strictMembersKeepKeyOrderWhileTheSlowOneIsAvoided() throws Exception {
        var first = start();
        var second = startAnother();
        slowMemberRun(List.of(first, second, first, second), true);
    }

    /** The same run under pull: the slow member takes about its share, so the run tells the two apart. */
    @Test
    void underPullTheSlowMemberTakesAboutItsShare() throws Exception {
        start("delivery.balancer=pull");
        slowMemberTookItsShare(slowMemberRun(List.of(backend, backend, backend, backend), false));
    }
}
