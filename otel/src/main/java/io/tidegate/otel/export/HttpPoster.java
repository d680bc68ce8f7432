package io.tidegate.otel.export;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

/**
 * POSTs bodies to one plain {@code http://} URL over a kept-alive HTTP/1.1 connection: the head
 * and the body go out in two writes straight from the caller's buffer, and the answer is read up
 * to its end, so the connection can carry the next request. A request that fails on a kept-alive
 * connection (the server may have closed it while idle) is sent once more on a new one; if the
 * server had taken it before the connection broke, it gets it twice. Just what an OTLP exporter
 * needs to reach a nearby collector cheaply; no TLS, proxies or redirects. Not thread-safe: one
 * caller at a time.
 */
final class HttpPoster implements AutoCloseable {

    /** Longest status or header line taken from a server, so a broken one cannot fill the heap. */
    private static final int MAX_LINE = 8192;

    private final URI url;
    private final String contentType;
    private final Duration timeout;
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    /**
     * @param url         an {@code http://} URL with host, port (default 80) and path
     * @param contentType of every body
     * @param timeout     for connecting, and for each read of the answer
     */
    HttpPoster(URI url, String contentType, Duration timeout) {
        if (!"http".equals(url.getScheme()) || url.getHost() == null) {
            throw new IllegalArgumentException("not a plain http URL with a host: " + url);
        }
        this.url = url;
        this.contentType = contentType;
        this.timeout = timeout;
    }

    /**
     * Sends the first {@code length} bytes of {@code body}; returns the answer's status code (the
     * answer's body is read and dropped).
     */
    int post(byte[] body, int length) throws IOException {
        boolean reused = socket != null;
        try {
            return exchange(body, length);
        } catch (IOException e) {
            if (!reused || e instanceof SocketTimeoutException) {
                throw e;
            }
            return exchange(body, length); // the server may have closed the idle connection: once more, on a new one
        }
    }

    /** One request and its answer; the connection is closed when either fails. */
    private int exchange(byte[] body, int length) throws IOException {
        try {
            if (socket == null) {
                connect();
            }
            out.write(head(length));
            out.write(body, 0, length);
            out.flush();
            Answer answer = readAnswer();
            if (answer.close) {
                close();
            }
            return answer.status;
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    private void connect() throws IOException {
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress(url.getHost(), url.getPort() < 0 ? 80 : url.getPort()),
                    (int) timeout.toMillis());
            s.setSoTimeout((int) timeout.toMillis());
            in = new BufferedInputStream(s.getInputStream(), 8192);
            out = s.getOutputStream();
            socket = s;
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    private byte[] head(int length) {
        String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
        return ("POST " + path + " HTTP/1.1\r\nHost: " + url.getRawAuthority() + "\r\nContent-Type: " + contentType
                + "\r\nContent-Length: " + length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    private record Answer(int status, boolean close) {
    }

    private Answer readAnswer() throws IOException {
        String statusLine = line();
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP/1.x answer: " + statusLine);
        }
        int status = Integer.parseInt(parts[1]);
        boolean close = parts[0].equals("HTTP/1.0");
        long length = -1;
        boolean chunked = false;
        for (String header = line(); !header.isEmpty(); header = line()) {
            int colon = header.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String name = header.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = header.substring(colon + 1).trim().toLowerCase(Locale.ROOT);
            switch (name) {
                case "content-length" -> length = Long.parseLong(value);
                case "transfer-encoding" -> chunked = value.contains("chunked");
                case "connection" -> close = value.contains("close") || (close && !value.contains("keep-alive"));
                default -> { }
            }
        }
        if (chunked) {
            for (long size = chunkSize(); size > 0; size = chunkSize()) {
                skip(size);
                line();
            }
            while (!line().isEmpty()) {
                // trailers
            }
        } else if (length >= 0) {
            skip(length);
        } else if (status >= 200 && status != 204 && status != 304) {
            close = true; // the body runs to the end of the connection: nothing more can be sent on it
        }
        return new Answer(status, close);
    }

    private long chunkSize() throws IOException {
        String size = line();
        int ext = size.indexOf(';');
        return Long.parseLong((ext < 0 ? size : size.substring(0, ext)).trim(), 16);
    }

    private String line() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(64);
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new EOFException("connection closed in the middle of an HTTP answer");
            }
            if (b != '\r') {
                line.write(b);
            }
            if (line.size() > MAX_LINE) {
                throw new IOException("an HTTP answer line longer than " + MAX_LINE + " bytes");
            }
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    private void skip(long n) throws IOException {
        while (n > 0) {
            long skipped = in.skip(n);
            if (skipped <= 0) {
                if (in.read() < 0) {
                    throw new EOFException("connection closed in the middle of an HTTP answer");
                }
                skipped = 1;
            }
            n -= skipped;
        }
    }

    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing a connection we are giving up on anyway
            }
            socket = null;
            in = null;
            out = null;
        }
    }
}
