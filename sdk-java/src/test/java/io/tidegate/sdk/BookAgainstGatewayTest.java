package io.tidegate.sdk;

import static io.tidegate.sdk.book.BookBatches.BID;
import static io.tidegate.sdk.book.BookBatches.delta;
import static io.tidegate.sdk.book.BookBatches.levels;
import static io.tidegate.sdk.book.BookBatches.snapshot;
import static io.tidegate.sdk.book.BookBatches.update;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.Status;
import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.proto.market.v1.BookAction;
import io.tidegate.proto.market.v1.OrderBookDeltas;
import io.tidegate.proto.v1.GetBookResponse;
import io.tidegate.proto.v1.Message;
import io.tidegate.sdk.book.Level;
import io.tidegate.sdk.book.OrderBook;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A book kept on the client side from a subscription to a real gateway agrees with the gateway's
 * own book ({@link TidegateClient#getBook}) after a snapshot and updates, and asking for a book
 * never published fails with NOT_FOUND.
 */
class BookAgainstGatewayTest {

    private static Message book(String venue, OrderBookDeltas batch) {
        return Message.newBuilder().setTopic("data.books." + venue + ".BTCUSDT").setOrderingKey("BTCUSDT." + venue)
                .setPayload(batch.toByteString()).build();
    }

    private static List<Level> wireLevels(List<io.tidegate.proto.v1.BookLevel> wire) {
        return wire.stream().map(Level::of).toList();
    }

    @Test
    void aBookKeptFromASubscriptionAgreesWithTheGateways() throws Exception {
        String venue = "JV";
        try (EmbeddedGateway gateway = EmbeddedGateway.startOnLoopback();
             TidegateClient publisher = TidegateClient.builder().endpoints(gateway.target()).clientName("pub").build();
             TidegateClient strategy = TidegateClient.builder().endpoints(gateway.target()).clientName("strat").build()) {
            OrderBook mine = new OrderBook();
            Subscription sub = strategy.subscribe(SubscriptionOptions.broadcast("data.books." + venue + ".>"),
                    m -> mine.apply(OrderBookDeltas.parseFrom(m.message().getPayload())));
            sub.confirmed().get();
            for (OrderBookDeltas batch : List.of(
                    snapshot(100, levels("97000.00", "0.25", "96999.5", "1"), levels("97500.1", "0.3")),
                    update(101, delta(BookAction.BOOK_ACTION_ADD, BID, "97500.00", "0.250")),
                    update(102, delta(BookAction.BOOK_ACTION_DELETE, BID, "96999.5", "0")))) {
                publisher.publish(book(venue, batch)).get();
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> mine.sequence() == 102);

            // the gateway keeps its books off the publish path: ask until it has applied 102
            AtomicReference<GetBookResponse> theirs = new AtomicReference<>();
            await().atMost(Duration.ofSeconds(20)).ignoreExceptionsMatching(e -> isNotFound(e)).until(() -> {
                theirs.set(strategy.getBook(venue, "BTCUSDT", 0).join());
                return theirs.get().getSequence() == 102;
            });
            assertThat(wireLevels(theirs.get().getBidsList())).isEqualTo(mine.bids());
            assertThat(wireLevels(theirs.get().getAsksList())).isEqualTo(mine.asks());
            assertThat(mine.bids()).containsExactly(Level.of("97500", "0.25"), Level.of("97000", "0.25"));
            assertThat(wireLevels(strategy.getBook(venue, "BTCUSDT", 1).join().getBidsList()))
                    .containsExactly(Level.of("97500", "0.25"));

            assertThatThrownBy(() -> strategy.getBook(venue, "ETHUSDT", 0).join())
                    .isInstanceOf(CompletionException.class).cause().isInstanceOf(TidegateException.class)
                    .satisfies(e -> assertThat(((TidegateException) e).code()).isEqualTo(Status.Code.NOT_FOUND));
        }
    }

    private static boolean isNotFound(Throwable e) {
        return e instanceof CompletionException c && c.getCause() instanceof TidegateException t
                && t.code() == Status.Code.NOT_FOUND;
    }
}
