package io.tidegate.gateway.server;

import static io.tidegate.gateway.server.TestMessages.msg;
import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.gateway.GatewayProcess;
import io.tidegate.proto.v1.ServerFrame;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** SIGTERM on a real gateway process: clients are told to go away, then it exits. */
class GracefulShutdownTest {

    @Test
    void sigtermSendsGoAwayToEveryStreamAndExits() throws Exception {
        try (GatewayProcess gateway = GatewayProcess.start();
             FrameClient client = FrameClient.connected(gateway.target())) {
            client.await(client.publish(msg("shutdown.test", "before")));
            gateway.terminate();
            ServerFrame goAway = client.await(ServerFrame::hasGoAway, "GoAway");
            assertThat(goAway.getGoAway().getReason()).contains("shutting down");
            // 143 = terminated by SIGTERM after the shutdown hook ran
            assertThat(gateway.awaitExit(30, TimeUnit.SECONDS)).isIn(0, 143);
            org.awaitility.Awaitility.await().until(() -> client.completed() || client.error() != null);
        }
    }
}
