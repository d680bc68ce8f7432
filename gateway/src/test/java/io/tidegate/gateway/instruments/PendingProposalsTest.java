package io.tidegate.gateway.instruments;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.intelligence.instrument.CoMovementProposal;
import org.junit.jupiter.api.Test;

/** Pending co-movement proposals: found by either side's symbol, bounded with the oldest evicted and counted. */
class PendingProposalsTest {

    private static CoMovementProposal proposal(String unlisted) {
        return new CoMovementProposal("BINANCE", "BTCUSDT", "ALPHA", unlisted, 20, 0, 1.0, 0.7);
    }

    @Test
    void pastItsCapacityTheOldestProposalIsEvictedAndCounted() {
        PendingProposals pending = new PendingProposals(2);
        pending.add(proposal("WBTUSDT"));
        pending.add(proposal("XBTUSDT"));
        pending.add(proposal("ZBTUSDT"));

        assertThat(pending.size()).isEqualTo(2);
        assertThat(pending.evicted()).isEqualTo(1);
        assertThat(pending.naming("ALPHA", "WBTUSDT")).isEmpty();
        assertThat(pending.naming("BINANCE", "BTCUSDT")).containsExactly(proposal("XBTUSDT"), proposal("ZBTUSDT"));
    }

    @Test
    void aProposalIsFoundByEitherSideIgnoringCaseAndSeparators() {
        PendingProposals pending = new PendingProposals(10);
        pending.add(proposal("WBT-USDT"));

        assertThat(pending.naming("binance", "BTC-USDT")).containsExactly(proposal("WBT-USDT"));
        assertThat(pending.naming("ALPHA", "wbtusdt")).containsExactly(proposal("WBT-USDT"));
        assertThat(pending.naming("OKX", "BTCUSDT")).isEmpty();
    }

    @Test
    void aRemovedProposalFreesItsPlaceWithoutCountingAnEviction() {
        PendingProposals pending = new PendingProposals(1);
        pending.add(proposal("WBTUSDT"));
        pending.add(proposal("WBTUSDT")); // the same proposal is kept once
        pending.remove(proposal("WBTUSDT"));
        pending.add(proposal("XBTUSDT"));

        assertThat(pending.size()).isEqualTo(1);
        assertThat(pending.evicted()).isZero();
        assertThat(pending.naming("BINANCE", "BTCUSDT")).containsExactly(proposal("XBTUSDT"));
    }
}
