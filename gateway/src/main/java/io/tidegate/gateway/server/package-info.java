/** The gRPC service: streams, publish path, subscriptions, flow control and drain; depends on dispatch, routing, priority, backend, telemetry, monitoring and config, never on resilience. */
package io.tidegate.gateway.server;
