package io.tidegate.otel;

import java.time.Duration;
import java.util.Objects;

/**
 * What {@link Telemetry} sets up. Immutable; validated on construction.
 *
 * @param tracing               record spans and export them (and metrics) over OTLP
 * @param metrics               collect metrics at all (read by a pull reader such as Prometheus
 *                              {@code /metrics}, and pushed over OTLP when {@code tracing} is on)
 * @param endpoint              OTLP endpoint, e.g. {@code http://127.0.0.1:4317} (grpc) or
 *                              {@code http://127.0.0.1:4318} (http/protobuf; {@code /v1/traces}
 *                              and {@code /v1/metrics} are appended)
 * @param protocol              OTLP transport
 * @param samplingRatio         root spans sampled with this probability (0..1); child spans follow
 *                              their parent's decision
 * @param serviceName           {@code service.name}
 * @param serviceInstanceId     {@code service.instance.id}, e.g. the gateway id of a replica
 * @param metricsExportInterval how often metrics are pushed over OTLP
 */
public record OtelSettings(boolean tracing, boolean metrics, String endpoint, Protocol protocol, double samplingRatio,
                           String serviceName, String serviceInstanceId, Duration metricsExportInterval) {

    /** OTLP transports. */
    public enum Protocol {
        GRPC("grpc"), HTTP_PROTOBUF("http/protobuf");

        private final String configName;

        Protocol(String configName) {
            this.configName = configName;
        }

        /** As written in configuration: {@code grpc} or {@code http/protobuf}. */
        public String configName() {
            return configName;
        }

        /** Parses {@code grpc} or {@code http/protobuf}; null when it is neither. */
        public static Protocol parse(String s) {
            for (Protocol p : values()) {
                if (p.configName.equalsIgnoreCase(s.trim())) {
                    return p;
                }
            }
            return null;
        }
    }

    public OtelSettings {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(serviceName, "serviceName");
        Objects.requireNonNull(serviceInstanceId, "serviceInstanceId");
        Objects.requireNonNull(metricsExportInterval, "metricsExportInterval");
        if (!(samplingRatio >= 0 && samplingRatio <= 1)) {
            throw new IllegalArgumentException("sampling ratio must be from 0 to 1, got " + samplingRatio);
        }
        if (serviceName.isBlank()) {
            throw new IllegalArgumentException("service name is empty");
        }
    }

    /** Everything off: no spans, no metrics. */
    public static OtelSettings disabled(String serviceName) {
        return new OtelSettings(false, false, "http://127.0.0.1:4317", Protocol.GRPC, 1.0, serviceName, "",
                Duration.ofSeconds(10));
    }
}
