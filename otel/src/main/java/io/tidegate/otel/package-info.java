/** OpenTelemetry set-up and message trace-context conventions shared by the gateway and the Java SDK; depends on proto only. */
package io.tidegate.otel;
