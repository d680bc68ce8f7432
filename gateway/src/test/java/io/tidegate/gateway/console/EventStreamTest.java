package io.tidegate.gateway.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpPrincipal;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * A client that stops reading blocks the event writer's write; the watchdog closes its exchange,
 * which ends that write, the client is dropped, and the others keep getting events.
 */
class EventStreamTest {

    @Test
    void aClientWhoseWriteDoesNotFinishIsDroppedAndTheOthersKeepReceiving() throws Exception {
        EventStream events = new EventStream(4, Duration.ofMillis(200).toNanos());
        Exchange stuck = new Exchange(new BlockingOutput());
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        Exchange reading = new Exchange(received);
        events.open(stuck);
        events.open(reading);
        assertThat(events.clients()).isEqualTo(2);

        Thread writer = new Thread(() -> events.push("{\"n\":1}".getBytes(StandardCharsets.UTF_8)));
        writer.start();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            events.dropStalled();
            assertThat(events.clients()).isEqualTo(1);
        });
        writer.join(30_000);
        assertThat(writer.isAlive()).as("the blocked write ended when its exchange closed").isFalse();
        assertThat(stuck.closed).isTrue();

        events.push("{\"n\":2}".getBytes(StandardCharsets.UTF_8));
        assertThat(received.toString(StandardCharsets.UTF_8))
                .contains("event: state\ndata: {\"n\":2}\n\n");
    }

    /** Blocks every write after the headers until closed, like a socket whose reader stopped. */
    private static final class BlockingOutput extends OutputStream {
        private final CountDownLatch closed = new CountDownLatch(1);

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            try {
                closed.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new IOException("closed");
        }

        @Override
        public void flush() {
            // the headers go out; the events block
        }

        @Override
        public void close() {
            closed.countDown();
        }
    }

    private static final class Exchange extends HttpExchange {
        private final Headers responseHeaders = new Headers();
        private final OutputStream body;
        volatile boolean closed;

        Exchange(OutputStream body) {
            this.body = body;
        }

        @Override
        public Headers getRequestHeaders() {
            return new Headers();
        }

        @Override
        public Headers getResponseHeaders() {
            return responseHeaders;
        }

        @Override
        public URI getRequestURI() {
            return URI.create("/api/events");
        }

        @Override
        public String getRequestMethod() {
            return "GET";
        }

        @Override
        public HttpContext getHttpContext() {
            return null;
        }

        @Override
        public void close() {
            closed = true;
            try {
                body.close();
            } catch (IOException ignored) {
                // a test stream
            }
        }

        @Override
        public InputStream getRequestBody() {
            return InputStream.nullInputStream();
        }

        @Override
        public OutputStream getResponseBody() {
            return body;
        }

        @Override
        public void sendResponseHeaders(int rCode, long responseLength) {
        }

        @Override
        public InetSocketAddress getRemoteAddress() {
            return new InetSocketAddress("127.0.0.1", 1);
        }

        @Override
        public int getResponseCode() {
            return 200;
        }

        @Override
        public InetSocketAddress getLocalAddress() {
            return new InetSocketAddress("127.0.0.1", 2);
        }

        @Override
        public String getProtocol() {
            return "HTTP/1.1";
        }

        @Override
        public Object getAttribute(String name) {
            return null;
        }

        @Override
        public void setAttribute(String name, Object value) {
        }

        @Override
        public void setStreams(InputStream i, OutputStream o) {
        }

        @Override
        public HttpPrincipal getPrincipal() {
            return null;
        }
    }
}
