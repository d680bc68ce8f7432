package io.tidegate.otel;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TelemetryExportTest {

    private HttpServer collector;
    private final List<String> received = new CopyOnWriteArrayList<>();
    private final List<String> userAgents = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startCollector() throws IOException {
        collector = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        collector.createContext("/", ex -> {
            try (InputStream in = ex.getRequestBody()) {
                byte[] body = in.readAllBytes();
                if (ex.getRequestURI().getPath().equals("/v1/traces")) {
                    userAgents.add(String.valueOf(ex.getRequestHeaders().getFirst("User-Agent")));
                    ExportTraceServiceRequest.parseFrom(body).getResourceSpansList().forEach(rs -> rs.getScopeSpansList()
                            .forEach(ss -> ss.getSpansList().forEach(s -> received.add(
                                    serviceName(rs.getResource()) + " " + s.getName()))));
                }
            }
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        collector.start();
    }

    private static String serviceName(io.opentelemetry.proto.resource.v1.Resource resource) {
        return resource.getAttributesList().stream().filter(kv -> kv.getKey().equals("service.name"))
                .map(kv -> kv.getValue().getStringValue()).findFirst().orElse("?");
    }

    @AfterEach
    void stopCollector() {
        collector.stop(0);
    }

    @Test
    void httpProtobufSpansReachTheCollectorsTracesPathWithTheResource() {
        String endpoint = "http://127.0.0.1:" + collector.getAddress().getPort();
        try (Telemetry telemetry = Telemetry.builder(new OtelSettings(true, false, endpoint,
                OtelSettings.Protocol.HTTP_PROTOBUF, 1.0, "export-test", "t-1", Duration.ofSeconds(10))).build()) {
            telemetry.getTracer("t").spanBuilder("one").startSpan().end();
            telemetry.getTracer("t").spanBuilder("two").startSpan().end();
            telemetry.flush(10, TimeUnit.SECONDS);
        }
        assertThat(received).containsExactlyInAnyOrder("export-test one", "export-test two");
    }

    @Test
    void httpProtobufSpansAreSentByTheOpenTelemetrySdksExporter() {
        String endpoint = "http://127.0.0.1:" + collector.getAddress().getPort();
        try (Telemetry telemetry = Telemetry.builder(new OtelSettings(true, false, endpoint,
                OtelSettings.Protocol.HTTP_PROTOBUF, 1.0, "export-test", "t-1", Duration.ofSeconds(10))).build()) {
            telemetry.getTracer("t").spanBuilder("one").startSpan().end();
            telemetry.flush(10, TimeUnit.SECONDS);
        }
        // the SDK's OTLP exporters name themselves; a protocol implementation of our own would not
        assertThat(userAgents).isNotEmpty().allSatisfy(ua -> assertThat(ua).startsWith("OTel-OTLP-Exporter-Java/"));
    }
}
