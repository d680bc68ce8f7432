package io.tidegate.gateway.server;

import static io.tidegate.gateway.server.TestMessages.msg;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.tidegate.gateway.GatewayProcess;
import io.tidegate.proto.v1.ConnectRequest;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.Ping;
import io.tidegate.proto.v1.ConnectResponse;
import io.tidegate.testkit.RedisServer;
import io.tidegate.testkit.TcpProxy;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM on a real gateway process: clients are told to go away at once, even while Redis does
 * not answer; a stream whose publishes were all answered ends OK and the process exits 0; a
 * stream with publishes the drain could not answer ends UNAVAILABLE saying how many to resend,
 * and the process exits 1.
 */
class GracefulShutdownTest {

    @Test
    void sigtermSendsGoAwayToEveryStreamAndExitsZeroAfterACleanDrain() throws Exception {
        try (GatewayProcess gateway = GatewayProcess.start();
             FrameClient client = FrameClient.connected(gateway.target())) {
            client.await(client.publish(msg("shutdown.test", "before")));
            gateway.terminate();
            ConnectResponse goAway = client.await(ConnectResponse::hasGoAway, "GoAway");
            assertThat(goAway.getGoAway().getReason()).contains("shutting down");
            assertThat(gateway.awaitExit(30, TimeUnit.SECONDS)).as("exit code after a clean drain").isZero();
            Awaitility.await().until(() -> client.completed() || client.error() != null);
            assertThat(client.error()).as("every publish was answered: the stream ends OK").isNull();
        }
    }

    @Test
    void aStreamWithPublishesTheDrainCouldNotAnswerEndsUnavailableWithTheirCount() throws Exception {
        try (RedisServer redis = RedisServer.start();
             TcpProxy proxy = new TcpProxy(redis.port());
             GatewayProcess gateway = GatewayProcess.start("--backend.redis.uri=redis://" + proxy.target(),
                     "--resilience.enabled=false", "--shutdown.drain-timeout=300ms");
             FrameClient client = FrameClient.connected(gateway.target())) {
            client.await(client.publish(msg("drain.stuck", "stored")));
            // alerting leads: stopping hands its lease back, a Redis call that the GoAway must not wait for
            Awaitility.await().until(() -> redis.commandText("GET tg:{alerts}:lease").contains(":"));
            proxy.freezeEveryConnection(); // Redis stops answering: appends hang past the drain timeout
            Message[] stuck = new Message[150];
            for (int i = 0; i < stuck.length; i++) {
                stuck[i] = msg("drain.stuck", "m" + i).toBuilder().setId("m" + i).build();
            }
            client.publish(stuck);
            client.publish(stuck);
            // frames are handled in order: the pong means both publishes are in the gateway's hands
            client.await(client.send(ConnectRequest.newBuilder().setPing(Ping.newBuilder().setNonce(1))));
            gateway.terminate();
            assertThat(client.await(frame -> true, "the next frame").hasGoAway())
                    .as("the GoAway comes before Redis's command timeout answers any stuck publish").isTrue();
            Awaitility.await().until(() -> client.completed() || client.error() != null);
            assertThat(client.completed()).as("not a normal end").isFalse();
            Status status = Status.fromThrowable(client.error());
            assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(status.getDescription()).isEqualTo("gateway draining: 300 published messages of this stream "
                    + "were not acknowledged; resend them (same ids) to another replica");
            assertThat(gateway.awaitExit(60, TimeUnit.SECONDS)).as("exit code after a drain that timed out").isEqualTo(1);
        }
    }
}
