package io.tidegate.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A proxy with a one-way delay: each round trip takes twice the delay, and pipelined bytes are not held up further. */
class TcpProxyTest {

    @Test
    void aDelayedProxyAddsTwiceItsDelayToARoundTripButNotPerMessageWhenPipelined() throws Exception {
        try (ServerSocket echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             TcpProxy proxy = new TcpProxy(echo.getLocalPort(), Duration.ofMillis(20))) {
            Thread server = new Thread(() -> {
                try (Socket s = echo.accept()) {
                    s.getInputStream().transferTo(s.getOutputStream());
                } catch (Exception e) {
                    // the client closed
                }
            });
            server.setDaemon(true);
            server.start();
            String[] hostPort = proxy.target().split(":");
            try (Socket client = new Socket(hostPort[0], Integer.parseInt(hostPort[1]))) {
                OutputStream out = client.getOutputStream();
                InputStream in = client.getInputStream();

                long start = System.nanoTime();
                out.write(1);
                assertThat(in.read()).isEqualTo(1);
                long roundTrip = System.nanoTime() - start;
                assertThat(roundTrip).as("one round trip, ns").isBetween(40_000_000L, 200_000_000L);

                start = System.nanoTime();
                for (int i = 0; i < 100; i++) {
                    out.write(i);
                }
                for (int i = 0; i < 100; i++) {
                    assertThat(in.read()).as("byte %d, in order", i).isEqualTo(i);
                }
                // a hundred pipelined writes share one round trip's delay, not a hundred of them
                assertThat(System.nanoTime() - start).as("100 pipelined bytes, ns").isLessThan(1_000_000_000L);
            }
        }
    }
}
