package io.tidegate.gateway.regime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.proto.v1.GatewayServiceGrpc;
import io.tidegate.proto.v1.IntelligenceServiceGrpc;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.PublishRequest;
import io.tidegate.proto.v1.WatchRegimesRequest;
import io.tidegate.proto.v1.WatchRegimesResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A WatchRegimes client that stops reading (its HTTP/2 window is tiny and it requests nothing) is ended
 * with RESOURCE_EXHAUSTED once its gateway-side buffer ({@code intelligence.regime.watch-buffer}) is
 * full, while a watcher that keeps reading gets every change and the feed goes on. Real gateway, real
 * sockets.
 */
class SlowWatcherTest {

    @Test
    void aWatcherThatStopsReadingIsEndedResourceExhaustedAndTheOthersGetEverything() {
        QuoteSeries flips = QuoteSeries.flipping("FLIPVENUE", "FLIPSYM", 40_000);
        assertThat(flips.expectedChanges()).as("enough changes to fill a stalled transport").hasSizeGreaterThan(800);
        try (EmbeddedGateway gateway = EmbeddedGateway.startOnLoopback("intelligence.regime.watch-buffer=16")) {
            ManagedChannel fastChannel = NettyChannelBuilder.forTarget(gateway.target()).usePlaintext().build();
            ManagedChannel slowChannel = NettyChannelBuilder.forTarget(gateway.target()).usePlaintext()
                    .flowControlWindow(1024).build();
            try {
                Stalled slow = new Stalled();
                IntelligenceServiceGrpc.newStub(slowChannel).watchRegimes(WatchRegimesRequest.getDefaultInstance(), slow);
                Stalled fast = new Stalled();
                fast.reading = true;
                IntelligenceServiceGrpc.newStub(fastChannel).watchRegimes(WatchRegimesRequest.getDefaultInstance(), fast);
                await().atMost(Duration.ofSeconds(10)).until(() -> gateway.regimeWatchers().count() == 2);

                var publisher = GatewayServiceGrpc.newBlockingStub(fastChannel);
                List<Message> all = flips.messages();
                for (int from = 0; from < all.size(); from += 1000) {
                    publisher.publish(PublishRequest.newBuilder().addAllMessages(all.subList(from, from + 1000)).build());
                }

                await().atMost(Duration.ofSeconds(60)).until(() -> fast.changes.size() == flips.expectedChanges().size());
                await().atMost(Duration.ofSeconds(10)).until(() -> gateway.regimeWatchers().count() == 1);
                assertThat(fast.end.get()).isNull();
                assertThat(fast.changes).isEqualTo(flips.expectedChanges().stream().map(RegimeWire::toProto).toList());

                slow.call.request(Integer.MAX_VALUE); // read what reached it, then the status
                await().atMost(Duration.ofSeconds(60)).until(() -> slow.end.get() != null);
                Status status = Status.fromThrowable(slow.end.get());
                assertThat(status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                assertThat(status.getDescription()).contains("fell 16 regime changes behind");
                assertThat(slow.changes.size()).isLessThan(flips.expectedChanges().size());
            } finally {
                fastChannel.shutdownNow();
                slowChannel.shutdownNow();
            }
        }
    }

    /** A watcher that reads nothing until told to ({@code reading} false), or everything. */
    private static final class Stalled implements ClientResponseObserver<WatchRegimesRequest, WatchRegimesResponse> {
        final List<io.tidegate.proto.market.v1.RegimeChange> changes = new CopyOnWriteArrayList<>();
        final AtomicReference<Throwable> end = new AtomicReference<>();
        volatile boolean reading;
        volatile ClientCallStreamObserver<WatchRegimesRequest> call;

        @Override
        public void beforeStart(ClientCallStreamObserver<WatchRegimesRequest> requestStream) {
            call = requestStream;
            if (!reading) {
                requestStream.disableAutoRequestWithInitial(0);
            }
        }

        @Override
        public void onNext(WatchRegimesResponse r) {
            changes.add(r.getChange());
        }

        @Override
        public void onError(Throwable t) {
            end.set(t);
        }

        @Override
        public void onCompleted() {
            end.set(new IllegalStateException("completed"));
        }
    }
}
