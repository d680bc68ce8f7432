package io.tidegate.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * A loopback TCP forwarder put between a client and a server (a gateway, a redis-server) so a
 * test can break the path between them: cut connections (both sides see a reset) or freeze them
 * (bytes stop flowing in both directions, sockets stay open: a peer behind a dead network path).
 * It freezes the connections open now ({@link #freezeOpenConnections()}, later ones flow), every
 * connection present and future ({@link #freezeEveryConnection()}), or the one a server knows by
 * its client port ({@link #freezeUpstreamPort(int)}) while the others go on. Built with a one-way
 * delay, it stands for a server that far away: every byte arrives that much later, in order, and
 * as many bytes are in flight as the peers send (a long path, not a narrow one).
 *
 * <p>Threading: one accept thread and two pump threads per connection (four with a delay), all
 * daemons; every method may be called from any thread.
 */
public final class TcpProxy implements AutoCloseable {

    private static final int CONNECT_TIMEOUT_MILLIS = 2_000;

    private final ServerSocket server;
    private final InetSocketAddress target;
    private final long delayNanos;
    private final List<Link> links = new CopyOnWriteArrayList<>();
    private volatile boolean everyFrozen;
    private volatile boolean closed;

    /** Starts forwarding connections made to {@link #target()} to {@code targetPort} on loopback. */
    public TcpProxy(int targetPort) throws IOException {
        this(targetPort, Duration.ZERO);
    }

    /** As {@link #TcpProxy(int)}, every byte forwarded {@code oneWayDelay} after it arrived. */
    public TcpProxy(int targetPort, Duration oneWayDelay) throws IOException {
        this.delayNanos = oneWayDelay.toNanos();
        this.target = new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort);
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::accept, "tcp-proxy-accept");
        t.setDaemon(true);
        t.start();
    }

    /** Where clients connect instead of the target: {@code 127.0.0.1:port}. */
    public String target() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    /** Resets every open connection; connections made afterwards flow normally. */
    public void cutAll() {
        links.forEach(Link::close);
    }

    /** Stops forwarding on every open connection without closing it; connections made afterwards flow. */
    public void freezeOpenConnections() {
        links.forEach(l -> l.frozen = true);
    }

    /** Stops forwarding on every connection, open now or made afterwards, without closing any. */
    public void freezeEveryConnection() {
        everyFrozen = true;
    }

    /**
     * Freezes the one connection whose upstream side uses {@code upstreamPort}, which is what the
     * server sees as the client's address (e.g. in Redis's {@code CLIENT LIST}); false when there
     * is none.
     */
    public boolean freezeUpstreamPort(int upstreamPort) {
        for (Link l : links) {
            if (l.upstream.getLocalPort() == upstreamPort) {
                l.frozen = true;
                return true;
            }
        }
        return false;
    }

    private void accept() {
        while (!closed) {
            Socket client = null;
            try {
                client = server.accept();
                Socket upstream = new Socket();
                upstream.connect(target, CONNECT_TIMEOUT_MILLIS);
                // a proxy passes bytes on as they come: with Nagle a chunk written while an earlier
                // one is unacknowledged waits for the peer's delayed ACK (40 ms on Linux)
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                Link l = new Link(client, upstream);
                links.add(l);
                l.start();
            } catch (IOException e) {
                // the target refused (the client sees its connection closed) or the proxy closed
                closeQuietly(client, true);
            }
        }
    }

    /** Stops accepting and resets every open connection. */
    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        cutAll();
    }

    private static void daemon(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket s, boolean reset) {
        if (s == null) {
            return;
        }
        try {
            if (reset) {
                s.setSoLinger(true, 0); // a reset, as a cut path looks to both sides
            }
            s.close();
        } catch (IOException e) {
            // already closed
        }
    }

    /** Bytes read at one time and when they are due at the other side; null bytes: the end. */
    private record Chunk(byte[] bytes, long due) {
    }

    /** One proxied connection: the accepted client socket and the socket to the target. */
    private final class Link {
        final Socket client;
        final Socket upstream;
        volatile boolean frozen;
        volatile boolean cut;

        Link(Socket client, Socket upstream) {
            this.client = client;
            this.upstream = upstream;
        }

        void start() {
            pump(client, upstream);
            pump(upstream, client);
        }

        private boolean holding() {
            return (frozen || everyFrozen) && !cut;
        }

        private void pump(Socket from, Socket to) {
            if (delayNanos > 0) {
                pumpLate(from, to);
                return;
            }
            daemon("tcp-proxy-pump", () -> {
                byte[] buf = new byte[16 * 1024];
                try {
                    InputStream in = from.getInputStream();
                    OutputStream out = to.getOutputStream();
                    int n;
                    while ((n = in.read(buf)) >= 0) {
                        holdWhileFrozen();
                        out.write(buf, 0, n);
                    }
                } catch (IOException | InterruptedException e) {
                    // cut, or the other side closed
                } finally {
                    endUnlessFrozen();
                }
            });
        }

        /** As {@link #pump}, but a second thread writes each chunk {@code delayNanos} after it was read. */
        private void pumpLate(Socket from, Socket to) {
            BlockingQueue<Chunk> inFlight = new LinkedBlockingQueue<>();
            daemon("tcp-proxy-pump", () -> {
                byte[] buf = new byte[16 * 1024];
                try {
                    InputStream in = from.getInputStream();
                    int n;
                    while ((n = in.read(buf)) >= 0) {
                        inFlight.add(new Chunk(Arrays.copyOf(buf, n), System.nanoTime() + delayNanos));
                    }
                } catch (IOException e) {
                    // cut, or the other side closed
                } finally {
                    inFlight.add(new Chunk(null, System.nanoTime() + delayNanos));
                }
            });
            daemon("tcp-proxy-late", () -> {
                try {
                    OutputStream out = to.getOutputStream();
                    while (true) {
                        Chunk c = inFlight.take();
                        for (long wait; (wait = c.due - System.nanoTime()) > 0; ) {
                            LockSupport.parkNanos(wait);
                        }
                        holdWhileFrozen();
                        if (c.bytes == null) {
                            break;
                        }
                        out.write(c.bytes);
                    }
                } catch (IOException | InterruptedException e) {
                    // cut
                } finally {
                    endUnlessFrozen();
                }
            });
        }

        /** Holds the bytes while frozen: nothing reaches the other side. */
        private void holdWhileFrozen() throws InterruptedException {
            while (holding()) {
                Thread.sleep(50);
            }
        }

        /** One side ended; a frozen connection stays open whatever one side does, as behind a dead path. */
        private void endUnlessFrozen() {
            if (!holding()) {
                end();
            }
        }

        /** Resets both sides. */
        void close() {
            cut = true;
            links.remove(this);
            closeQuietly(client, true);
            closeQuietly(upstream, true);
        }

        /** One side closed: closes the other in order, after what was forwarded is sent. */
        void end() {
            cut = true;
            links.remove(this);
            closeQuietly(client, false);
            closeQuietly(upstream, false);
        }
    }
}
