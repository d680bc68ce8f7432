package io.tidegate.sdk;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP forwarder put between a client and a gateway so tests can cut connections (both sides
 * see a reset) or freeze them (bytes stop flowing, sockets stay open: a dead peer). New
 * connections after a cut or freeze flow normally. Thread-safe.
 */
final class TcpProxy implements AutoCloseable {

    private final ServerSocket server;
    private final InetSocketAddress target;
    private final List<Link> links = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    TcpProxy(int targetPort) throws IOException {
        this.target = new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort);
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::accept, "tcp-proxy-accept");
        t.setDaemon(true);
        t.start();
    }

    String target() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    /** Resets every open connection. */
    void cutAll() {
        // removes only what it closed: a connection accepted meanwhile stays tracked for the next cut
        for (Link l : links) {
            l.close();
            links.remove(l);
        }
    }

    /** Stops forwarding on every open connection without closing it. */
    void freezeAll() {
        for (Link l : links) {
            l.frozen = true;
        }
    }

    int connections() {
        return links.size();
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket();
                upstream.connect(target, 2000);
                Link l = new Link(client, upstream);
                links.add(l);
                l.start();
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        cutAll();
    }

    private static final class Link {
        final Socket a;
        final Socket b;
        volatile boolean frozen;

        Link(Socket a, Socket b) {
            this.a = a;
            this.b = b;
        }

        void start() {
            pump(a, b);
            pump(b, a);
        }

        private void pump(Socket from, Socket to) {
            Thread t = new Thread(() -> {
                byte[] buf = new byte[64 * 1024];
                try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                    int n;
                    while ((n = in.read(buf)) >= 0) {
                        while (frozen) {
                            Thread.sleep(50);
                        }
                        out.write(buf, 0, n);
                    }
                } catch (IOException | InterruptedException e) {
                    // cut
                } finally {
                    if (!frozen) {
                        close();
                    }
                }
            }, "tcp-proxy-pump");
            t.setDaemon(true);
            t.start();
        }

        void close() {
            frozen = false;
            try {
                a.setSoLinger(true, 0);
                a.close();
            } catch (IOException ignored) {
                // already closed
            }
            try {
                b.setSoLinger(true, 0);
                b.close();
            } catch (IOException ignored) {
                // already closed
            }
        }
    }
}
