package io.tidegate.gateway.server;

import static org.awaitility.Awaitility.await;

import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.testkit.TcpProxy;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A peer that silently stops answering is noticed and its session ends. */
class KeepaliveTest {

    @Test
    void gatewayDropsAClientBehindADeadNetworkPath() throws Exception {
        try (EmbeddedGateway gateway = EmbeddedGateway.startOnLoopback("grpc.keepalive-time=1s", "grpc.keepalive-timeout=1s");
             TcpProxy proxy = new TcpProxy(gateway.grpcPort());
             FrameClient client = FrameClient.connected(proxy.target())) {
            client.await(client.subscribe(TestMessages.broadcast("s", "k.>")));
            await().until(() -> gateway.sessionCount() == 1);
            proxy.freezeEveryConnection();
            // no FIN, no RST: only the unanswered keepalive ping tells the gateway
            await().atMost(Duration.ofSeconds(15)).until(() -> gateway.sessionCount() == 0);
        }
    }
}
