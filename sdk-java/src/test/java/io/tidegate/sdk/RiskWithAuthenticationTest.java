package io.tidegate.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.proto.market.v1.OrderSide;
import io.tidegate.proto.market.v1.OrderType;
import io.tidegate.proto.market.v1.SubmitOrder;
import io.tidegate.proto.v1.KillRequest;
import io.tidegate.proto.v1.KillScope;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.RiskServiceGrpc;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/**
 * With authentication on: orders are checked as the caller's identity, which must be the topic's
 * STRATEGY, and only an identity with the role risk.admin-role may use the kill switch.
 */
class RiskWithAuthenticationTest {

    private static final String STRATEGY_TOKEN = "tg_token_of_strat_1";
    private static final String OPERATOR_TOKEN = "tg_token_of_the_risk_desk";

    @Test
    void ordersAreTheIdentitysOwnAndOnlyTheRiskRoleMayKill() throws Exception {
        try (EmbeddedGateway gateway = EmbeddedGateway.startOnLoopback("risk.enabled=true",
                "risk.limits=[ { strategy = strat-1, max-quantity = 5 } ]",
                "security.api-tokens.strat-1.sha256=" + sha256(STRATEGY_TOKEN),
                "security.api-tokens.risk-desk.sha256=" + sha256(OPERATOR_TOKEN),
                "security.api-tokens.risk-desk.roles=[risk-admin]");
             TidegateClient strategy = TidegateClient.builder().endpoints(gateway.target()).clientName("strat-1")
                     .bearerToken(STRATEGY_TOKEN).build()) {
            assertThat(outcome(strategy, order("exec.commands.BINANCE.strat-1", "6")))
                    .contains("PERMISSION_DENIED", "quantity 6 over max-quantity 5 for strat-1 BTCUSDT.BINANCE");
            assertThat(outcome(strategy, order("exec.commands.BINANCE.strat-2", "1")))
                    .contains("PERMISSION_DENIED", "strat-1 may send orders on exec.commands.<VENUE>.strat-1 only");
            assertThat(outcome(strategy, order("exec.commands.BINANCE.strat-1", "1"))).isEqualTo("ok");

            ManagedChannel channel = ManagedChannelBuilder.forTarget(gateway.target()).usePlaintext().build();
            try {
                KillRequest kill = KillRequest.newBuilder().setScope(KillScope.KILL_SCOPE_STRATEGY).setName("strat-1").build();
                assertThatThrownBy(() -> stub(channel, STRATEGY_TOKEN).kill(kill))
                        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
                            assertThat(e.getStatus().getDescription()).contains("strat-1", "\"risk-admin\"");
                        });
                assertThat(stub(channel, OPERATOR_TOKEN).kill(kill).getKill().getKilledBy()).isEqualTo("risk-desk");
                assertThat(outcome(strategy, order("exec.commands.BINANCE.strat-1", "1"))).contains("kill switch strategy strat-1");
            } finally {
                channel.shutdownNow();
            }
        }
    }

    private static RiskServiceGrpc.RiskServiceBlockingStub stub(ManagedChannel channel, String token) {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        return RiskServiceGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    private static String outcome(TidegateClient client, Message m) {
        try {
            client.publish(m).join();
            return "ok";
        } catch (CompletionException e) {
            return e.getCause() instanceof PublishException p ? p.code() + " " + p.getMessage() : e.toString();
        }
    }

    private static int sequence;

    private static Message order(String topic, String quantity) {
        String id = "o-" + (++sequence);
        return Message.newBuilder().setId(id).setTopic(topic).setContentType(RiskGateTest.TYPE + "SubmitOrder")
                .setPayload(SubmitOrder.newBuilder().setClientOrderId(id).setInstrumentId("BTCUSDT.BINANCE")
                        .setSide(OrderSide.ORDER_SIDE_BUY).setOrderType(OrderType.ORDER_TYPE_MARKET)
                        .setQuantity(RiskGateTest.decimal(quantity)).build().toByteString())
                .build();
    }

    private static String sha256(String token) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    }
}
