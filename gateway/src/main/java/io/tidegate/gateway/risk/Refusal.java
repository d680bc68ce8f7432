package io.tidegate.gateway.risk;

import io.grpc.Status;

/**
 * Why one order was refused: the rule, the status code the publish is answered with and the text
 * (also the reason of the OrderRejected event). Immutable.
 */
record Refusal(RiskRule rule, Status.Code code, String text) {

    static Refusal denied(RiskRule rule, String text) {
        return new Refusal(rule, Status.Code.PERMISSION_DENIED, "risk: " + text);
    }

    static Refusal precondition(String text) {
        return new Refusal(RiskRule.NO_PRICE, Status.Code.FAILED_PRECONDITION, "risk: " + text);
    }

    /** The gate cannot decide now (its state is not known yet); the client may retry. */
    static Refusal unavailable(RiskRule rule, String text) {
        return new Refusal(rule, Status.Code.UNAVAILABLE, "risk: " + text);
    }

    static Refusal invalid(String text) {
        return new Refusal(RiskRule.INVALID, Status.Code.INVALID_ARGUMENT, "risk: " + text);
    }

    Status status() {
        return Status.fromCode(code).withDescription(text);
    }
}
