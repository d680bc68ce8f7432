/** Which member of a consumer group gets the next message: the credit-based pull baseline and the predictive balancer, with its per-member completion predictor. */
package io.tidegate.intelligence.balancing;
