package io.tidegate.faults;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.tidegate.proto.v1.ClientFrame;
import io.tidegate.proto.v1.GatewayGrpc;
import io.tidegate.proto.v1.Hello;
import io.tidegate.proto.v1.ServerFrame;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Asks a gateway whether it still serves new clients: opens a fresh connection and Connect stream,
 * says Hello and waits for Welcome. Stateless; each call uses its own connection.
 */
final class WelcomeProbe {

    private WelcomeProbe() {
    }

    /** Whether a new stream to {@code target} got Welcome within {@code timeout}. */
    static boolean welcomed(String target, Duration timeout) {
        ManagedChannel channel = NettyChannelBuilder.forTarget(target).usePlaintext().build();
        CompletableFuture<Boolean> welcome = new CompletableFuture<>();
        try {
            StreamObserver<ClientFrame> requests = GatewayGrpc.newStub(channel).connect(new StreamObserver<>() {
                @Override
                public void onNext(ServerFrame f) {
                    welcome.complete(f.hasWelcome());
                }

                @Override
                public void onError(Throwable t) {
                    welcome.complete(false);
                }

                @Override
                public void onCompleted() {
                    welcome.complete(false);
                }
            });
            requests.onNext(ClientFrame.newBuilder().setFrameId(1)
                    .setHello(Hello.newBuilder().setClientName("welcome-probe").setLanguage("java")).build());
            boolean ok = welcome.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            requests.onCompleted();
            return ok;
        } catch (Exception e) {
            return false;
        } finally {
            channel.shutdownNow();
        }
    }
}
