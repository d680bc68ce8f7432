package io.tidegate.bench;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.LongAdder;

/**
 * A local OTLP/HTTP collector stand-in on loopback that accepts {@code /v1/traces} and
 * {@code /v1/metrics} exports (reads each body, answers 200 with an empty protobuf response) and
 * counts them. Tracing overhead measured against it includes the real exporters' serialisation
 * and HTTP, without a collector's own CPU use on the shared machine. Run on its own
 * ({@code OtlpSink PORT}) it is the collector of a gateway in another process
 * ({@code scripts/bench-split.sh}). Thread-safe.
 */
final class OtlpSink implements AutoCloseable {

    private static final ThreadLocal<byte[]> BUFFER = ThreadLocal.withInitial(() -> new byte[64 * 1024]);

    private final HttpServer server;
    private final LongAdder requests = new LongAdder();
    private final LongAdder bytes = new LongAdder();

    OtlpSink() throws IOException {
        this(0);
    }

    OtlpSink(int port) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
        server.setExecutor(Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "bench-otlp-sink");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", ex -> {
            try (InputStream in = ex.getRequestBody()) {
                // counted through one buffer, not collected: a collector's memory is not the cost measured
                byte[] buffer = BUFFER.get();
                for (int n; (n = in.read(buffer)) > 0; ) {
                    bytes.add(n);
                }
            }
            requests.increment();
            ex.getResponseHeaders().set("Content-Type", "application/x-protobuf");
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        server.start();
    }

    /** Runs a sink on loopback port {@code args[0]} until killed. */
    public static void main(String[] args) throws IOException, InterruptedException {
        OtlpSink sink = new OtlpSink(Integer.parseInt(args[0]));
        System.out.println("OTLP sink on " + sink.endpoint());
        Thread.currentThread().join(); // the sink's threads are daemons
    }

    /** Base URL for OTLP http/protobuf ({@code /v1/traces} etc. are appended by the exporters). */
    String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    String describe() {
        return requests.sum() + " OTLP requests, " + bytes.sum() / 1024 + " KiB";
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
