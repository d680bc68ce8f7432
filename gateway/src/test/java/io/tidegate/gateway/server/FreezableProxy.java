package io.tidegate.gateway.server;

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
 * A loopback TCP proxy for tests that can freeze: stop forwarding in both directions without
 * closing anything, as a peer behind a dead network path looks to the other side. It freezes
 * either every connection ({@link #freeze()}) or one ({@link #freezeUpstreamPort(int)}) while the
 * others go on. Threads: one accept thread and two pump threads per connection; the freeze
 * methods may be called from any thread.
 */
final class FreezableProxy implements AutoCloseable {

    private final ServerSocket server;
    private final int targetPort;
    private final List<Pipe> pipes = new CopyOnWriteArrayList<>();
    private volatile boolean allFrozen;

    FreezableProxy(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::acceptLoop, "freezable-proxy");
        t.setDaemon(true);
        t.start();
    }

    String target() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    /** Freezes every connection, present and future. */
    void freeze() {
        allFrozen = true;
    }

    /**
     * Freezes the one connection whose upstream side uses {@code upstreamPort}, which is what the
     * server sees as the client's address (e.g. in Redis's {@code CLIENT LIST}); false when there
     * is none.
     */
    boolean freezeUpstreamPort(int upstreamPort) {
        for (Pipe p : pipes) {
            if (p.upstream.getLocalPort() == upstreamPort) {
                p.frozen = true;
                return true;
            }
        }
        return false;
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket();
                upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort));
                Pipe pipe = new Pipe(client, upstream);
                pipes.add(pipe);
                pump(pipe, client, upstream);
                pump(pipe, upstream, client);
            } catch (IOException e) {
                return;
            }
        }
    }

    private void pump(Pipe pipe, Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[16384];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    while (allFrozen || pipe.frozen) {
                        Thread.sleep(50); // hold the bytes: nothing reaches the other side
                    }
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // connection closed
            }
        }, "freezable-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() throws IOException {
        server.close();
        pipes.forEach(Pipe::close);
    }

    /** One proxied connection: the accepted client socket and the socket to the target. */
    private static final class Pipe {
        final Socket client;
        final Socket upstream;
        volatile boolean frozen;

        Pipe(Socket client, Socket upstream) {
            this.client = client;
            this.upstream = upstream;
        }

        void close() {
            try {
                client.close();
            } catch (IOException e) {
                // already closed
            }
            try {
                upstream.close();
            } catch (IOException e) {
                // already closed
            }
        }
    }
}
