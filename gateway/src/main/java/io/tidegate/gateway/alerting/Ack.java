package io.tidegate.gateway.alerting;

/**
 * An acknowledgement of one alert: who and when (epoch ms). Stops its escalation and repeats
 * until it resolves. Immutable.
 */
public record Ack(String by, long atMillis) {
}
