package io.tidegate.faults;

import io.tidegate.sdk.MessageHandler;
import io.tidegate.sdk.SubscriptionOptions;
import io.tidegate.sdk.TidegateClient;
import java.time.Duration;
import java.util.List;

/** SDK clients as the scenarios use them. Stateless. */
final class Clients {

    private Clients() {
    }

    /** A client with this endpoint list, quick to reconnect (the scenarios kill things on purpose). */
    static TidegateClient connect(String name, String... endpoints) throws InterruptedException {
        TidegateClient c = TidegateClient.builder().endpoints(endpoints).clientName(name)
                .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(500), 0.5)
                .build();
        if (!c.awaitConnected(Duration.ofSeconds(30))) {
            c.close();
            throw new IllegalStateException(name + " could not connect to " + List.of(endpoints));
        }
        return c;
    }

    /** Subscribes and waits until the gateway confirmed it (LATEST starts from there). */
    static void subscribe(TidegateClient client, SubscriptionOptions options, MessageHandler handler)
            throws Exception {
        client.subscribe(options, handler).confirmed().get();
    }
}
