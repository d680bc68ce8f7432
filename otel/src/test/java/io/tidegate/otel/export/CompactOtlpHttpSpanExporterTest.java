package io.tidegate.otel.export;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.testing.trace.TestSpanData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.data.StatusData;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CompactOtlpHttpSpanExporterTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final String OK = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";

    private Collector collector;
    private CompactOtlpHttpSpanExporter exporter;

    @AfterEach
    void stop() throws IOException {
        if (exporter != null) {
            exporter.shutdown();
        }
        if (collector != null) {
            collector.close();
        }
    }

    @Test
    void batchesReachTheCollectorAsOtlpRequestsOnOneConnection() throws Exception {
        collectorAnswering("HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nContent-Length: 0\r\n\r\n", false);

        assertThat(export("receive a", "append a").isSuccess()).isTrue();
        assertThat(export("deliver a").isSuccess()).isTrue();

        assertThat(collector.spanNames()).containsExactly("receive a", "append a", "deliver a");
        assertThat(collector.paths).containsOnly("/v1/traces");
        assertThat(collector.connections.get()).isEqualTo(1);
    }

    @Test
    void aCollectorThatClosesKeptAliveConnectionsGetsEachBatchOnce() throws Exception {
        // answers chunked, then closes without saying so: the next batch meets a dead connection
        collectorAnswering("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n", true);

        for (int i = 0; i < 3; i++) {
            assertThat(export("span " + i).isSuccess()).isTrue();
        }

        assertThat(collector.spanNames()).containsExactly("span 0", "span 1", "span 2");
        assertThat(collector.connections.get()).isEqualTo(3);
    }

    @Test
    void aRefusingCollectorFailsTheExportAndTheNextBatchGoesThrough() throws Exception {
        collectorAnswering("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusy", false);

        assertThat(export("refused").isSuccess()).isFalse();
        collector.answer = OK;
        assertThat(export("taken").isSuccess()).isTrue();

        assertThat(collector.spanNames()).containsExactly("refused", "taken");
    }

    @Test
    void anAnswerThatIsNotHttpFailsTheExportAndANewConnectionServesTheNextBatch() throws Exception {
        collectorAnswering("SSH-2.0-OpenSSH_9.2\r\n\r\n", false);

        assertThat(export("misdirected").isSuccess()).isFalse();
        collector.answer = OK;
        assertThat(export("taken").isSuccess()).isTrue();

        assertThat(collector.spanNames()).containsExactly("misdirected", "taken");
        assertThat(collector.connections.get()).isEqualTo(2);
    }

    @Test
    void anEndlessHeaderLineFailsTheExportInsteadOfFillingTheHeap() throws Exception {
        collectorAnswering("HTTP/1.1 200 OK\r\nX-Long: " + "x".repeat(100_000) + "\r\n\r\n", false);

        assertThat(export("lost").isSuccess()).isFalse();
    }

    @Test
    void noCollectorFailsTheExportAndOneThatComesUpLaterGetsTheNextBatch() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        exporter = new CompactOtlpHttpSpanExporter(URI.create("http://127.0.0.1:" + port + "/v1/traces"), TIMEOUT);

        assertThat(export("lost").isSuccess()).isFalse();

        collector = new Collector(port, OK, false);
        assertThat(export("found").isSuccess()).isTrue();
        assertThat(collector.spanNames()).containsExactly("found");
    }

    @Test
    void afterShutdownNothingIsSent() throws Exception {
        collectorAnswering(OK, false);
        exporter.shutdown();

        assertThat(export("late").isSuccess()).isFalse();
        assertThat(collector.connections.get()).isZero();
    }

    /** Starts a collector that gives every request this answer, and an exporter to it. */
    private void collectorAnswering(String answer, boolean closeAfterAnswer) throws IOException {
        collector = new Collector(answer, closeAfterAnswer);
        exporter = new CompactOtlpHttpSpanExporter(collector.url(), TIMEOUT);
    }

    private CompletableResultCode export(String... names) {
        List<SpanData> spans = new ArrayList<>();
        for (int i = 0; i < names.length; i++) {
            spans.add(TestSpanData.builder()
                    .setSpanContext(SpanContext.create("4bf92f3577b34da6a3ce929d0e0e4736", String.format("%016x", i + 1),
                            TraceFlags.getSampled(), TraceState.getDefault()))
                    .setName(names[i]).setKind(SpanKind.SERVER)
                    .setStartEpochNanos(1).setEndEpochNanos(2).setStatus(StatusData.unset()).setHasEnded(true).build());
        }
        return exporter.export(spans).join(10, TimeUnit.SECONDS);
    }

    /**
     * A collector on a raw socket, so a test controls the answer byte for byte: it reads each
     * request's head and body and writes {@code answer}, then reads the next request on the same
     * connection or, with {@code closeAfterAnswer}, closes it.
     */
    private static final class Collector implements AutoCloseable {

        final List<byte[]> bodies = new CopyOnWriteArrayList<>();
        final List<String> paths = new CopyOnWriteArrayList<>();
        final AtomicInteger connections = new AtomicInteger();
        volatile String answer;
        private final boolean closeAfterAnswer;
        private final ServerSocket server;

        Collector(String answer, boolean closeAfterAnswer) throws IOException {
            this(0, answer, closeAfterAnswer);
        }

        Collector(int port, String answer, boolean closeAfterAnswer) throws IOException {
            this.answer = answer;
            this.closeAfterAnswer = closeAfterAnswer;
            this.server = new ServerSocket(port, 16, InetAddress.getLoopbackAddress());
            Thread t = new Thread(this::accept, "test-collector");
            t.setDaemon(true);
            t.start();
        }

        URI url() {
            return URI.create("http://127.0.0.1:" + server.getLocalPort() + "/v1/traces");
        }

        List<String> spanNames() throws IOException {
            List<String> names = new ArrayList<>();
            for (byte[] body : bodies) {
                ExportTraceServiceRequest.parseFrom(body).getResourceSpansList().forEach(rs -> rs.getScopeSpansList()
                        .forEach(ss -> ss.getSpansList().forEach(s -> names.add(s.getName()))));
            }
            return names;
        }

        private void accept() {
            while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                    connections.incrementAndGet();
                    serve(s);
                } catch (IOException e) {
                    // closed, or the client went away: take the next connection
                }
            }
        }

        private void serve(Socket s) throws IOException {
            DataInputStream in = new DataInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            while (true) {
                String requestLine = line(in);
                if (requestLine == null) {
                    return;
                }
                int length = 0;
                for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
                    if (h.toLowerCase().startsWith("content-length:")) {
                        length = Integer.parseInt(h.substring(15).trim());
                    }
                }
                byte[] body = new byte[length];
                in.readFully(body);
                paths.add(requestLine.split(" ")[1]);
                bodies.add(body);
                out.write(answer.getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                if (closeAfterAnswer) {
                    return;
                }
            }
        }

        private static String line(DataInputStream in) throws IOException {
            StringBuilder b = new StringBuilder();
            for (int c = in.read(); c != '\n'; c = in.read()) {
                if (c < 0) {
                    return null;
                }
                if (c != '\r') {
                    b.append((char) c);
                }
            }
            return b.toString();
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
