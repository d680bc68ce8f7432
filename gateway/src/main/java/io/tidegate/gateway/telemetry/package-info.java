/** Spans and metrics of messages, and the instrumenting backend decorator; depends on backend, priority, routing and config, never on what reads its numbers. */
package io.tidegate.gateway.telemetry;
