package io.tidegate.gateway.server;

import static io.tidegate.gateway.server.TestMessages.group;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.proto.v1.ConnectRequest;
import io.tidegate.proto.v1.Hello;
import io.tidegate.proto.v1.Message;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@code remediation.close-idle-subscriber}: a group member grants credit and then stops reading
 * its stream at the transport, so deliveries wait for it in the gateway. Remediation closes its
 * stream UNAVAILABLE saying why, and every message it had been given and not acknowledged goes
 * back to the group, where another member receives it.
 */
class IdleSubscriberIsClosedTest {

    private static final int MESSAGES = 400;
    private static final ByteString PAYLOAD = ByteString.copyFrom(new byte[16 * 1024]);

    @Test
    void aMemberThatHoldsCreditWithoutReadingIsClosedAndItsMessagesGoToAnotherMember() throws Exception {
        try (EmbeddedGateway gateway = EmbeddedGateway.startOnLoopback("http.port=0", "remediation.check-interval=100ms",
                "remediation.close-idle-subscriber.idle-after=1s", "delivery.default-ack-deadline=5s");
             FrameClient idle = FrameClient.openSlow(gateway.target());
             FrameClient pub = FrameClient.connected(gateway.target())) {
            idle.read(2);
            idle.await(idle.send(ConnectRequest.newBuilder().setHello(Hello.newBuilder().setClientName("idle")
                    .setLanguage("java")))).getWelcome();
            idle.await(idle.subscribe(group("g", "workers", "idle.t").setInitialCredit(10_000)));

            for (int from = 0; from < MESSAGES; from += 50) {
                Message[] batch = new Message[50];
                for (int i = 0; i < batch.length; i++) {
                    batch[i] = Message.newBuilder().setTopic("idle.t").setId("m-" + (from + i)).setPayload(PAYLOAD).build();
                }
                pub.await(pub.publish(batch));
            }

            await().atMost(Duration.ofSeconds(60))
                    .until(() -> RemediationScrape.actions(gateway, "close-idle-subscriber", "done") >= 1);
            idle.read(Integer.MAX_VALUE); // take what was buffered; the stream's end comes after it
            await().atMost(Duration.ofSeconds(30)).until(() -> idle.error() != null);
            Status status = Status.fromThrowable(idle.error());
            assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(status.getDescription()).startsWith("closed by remediation: held credit for 1s without reading");

            try (FrameClient member = FrameClient.connected(gateway.target())) {
                member.await(member.subscribe(group("g", "workers", "idle.t").setInitialCredit(10_000)));
                Set<String> ids = new HashSet<>();
                await().atMost(Duration.ofSeconds(60)).until(() -> {
                    member.pollDeliveries("g", 100).forEach(d -> ids.add(d.getMessage().getId()));
                    return ids.size() == MESSAGES;
                });
            }
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(RemediationScrape.state(gateway))
                    .contains("\"action\":\"close-idle-subscriber\""));
        }
    }
}
