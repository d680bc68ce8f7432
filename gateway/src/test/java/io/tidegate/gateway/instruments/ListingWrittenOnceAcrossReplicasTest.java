package io.tidegate.gateway.instruments;

import static io.tidegate.gateway.instruments.InstrumentsGateway.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.gateway.backend.redis.RedisSharedHash;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.intelligence.instrument.InstrumentCatalog;
import io.tidegate.intelligence.instrument.InstrumentKey;
import io.tidegate.intelligence.instrument.Listing;
import io.tidegate.intelligence.instrument.SymbolResolver;
import io.tidegate.proto.market.v1.InstrumentDefinition;
import io.tidegate.proto.market.v1.InstrumentKind;
import io.tidegate.testkit.RedisServer;
import org.junit.jupiter.api.Test;

/**
 * Replicas on one real redis-server write each listing to the shared hash once between them, and
 * never replace a newer listing there with an older one: the write is a compare-and-set on the
 * listing's version (its own timestamp), so a replica started later reads the newest.
 */
class ListingWrittenOnceAcrossReplicasTest {

    private static final InstrumentDefinition OKX_BTC = InstrumentDefinition.newBuilder().setVenue("OKX")
            .setSegment("linear").setRawSymbol("BTC-USDT-SWAP").setInstrumentId("BTC-USDT-SWAP")
            .setCanonicalKey("BTC/USDT:USDT").setKind(InstrumentKind.INSTRUMENT_KIND_PERPETUAL).build();
    /** Without its native base, which teaches no alias: the only write a replica makes of it is the listing. */
    private static final InstrumentDefinition OLDER = OKX_BTC.toBuilder().setTsInit(1_700_000_000_000_000_100L).build();
    /** The same market listed a nanosecond later: versions a Lua double could not tell apart. */
    private static final InstrumentDefinition NEWER = OKX_BTC.toBuilder().setTsInit(1_700_000_000_000_000_101L)
            .setNativeBase("BTC").build();

    @Test
    void theSameListingPublishedThroughOneOfTwoGatewaysIsWrittenOnce() throws Exception {
        try (RedisServer redis = RedisServer.start()) {
            String uri = "backend.redis.uri=" + redis.uri();
            try (InstrumentsGateway a = InstrumentsGateway.start(uri);
                 InstrumentsGateway b = InstrumentsGateway.start(uri)) {
                await(() -> a.registry().caughtUpWithBus() && b.registry().caughtUpWithBus());
                a.publish("data.instruments.OKX", "BTC-USDT-SWAP", NEWER.toByteString());

                // both replicas read it from the bus and both try to store it
                RedisSharedHash storeA = (RedisSharedHash) a.registry().store();
                RedisSharedHash storeB = (RedisSharedHash) b.registry().store();
                await(() -> storeA.writes() + storeA.notNewer() + storeB.writes() + storeB.notNewer() == 2);
                assertThat(storeA.writes() + storeB.writes()).isEqualTo(1);
                assertThat(storeA.failedWrites() + storeB.failedWrites()).isZero();
            }
        }
    }

    @Test
    void theSameListingReachingTwoReplicasIsWrittenOnce() throws Exception {
        try (RedisServer redis = RedisServer.start();
             Replica a = new Replica(redis);
             Replica b = new Replica(redis)) {
            a.registry.onInstrument("OKX", NEWER, 0);
            b.registry.onInstrument("OKX", NEWER, 0);

            await(() -> a.store.writes() + a.store.notNewer() + b.store.writes() + b.store.notNewer() == 2);
            assertThat(a.store.writes() + b.store.writes()).isEqualTo(1);
            assertThat(a.store.notNewer() + b.store.notNewer()).isEqualTo(1);
        }
    }

    @Test
    void anOlderListingArrivingAfterANewerOneDoesNotReplaceIt() throws Exception {
        try (RedisServer redis = RedisServer.start()) {
            try (Replica first = new Replica(redis);
                 Replica fast = new Replica(redis);
                 Replica slow = new Replica(redis)) {
                first.registry.onInstrument("OKX", OLDER, 0);
                await(() -> first.store.writes() == 1);
                // a nanosecond newer is newer
                fast.registry.onInstrument("OKX", NEWER, 0);
                await(() -> fast.store.writes() == 1);

                // a slow replica still holding the older listing tries to store it: Redis refuses
                slow.registry.onInstrument("OKX", OLDER, 0);
                await(() -> slow.store.notNewer() == 1);
                assertThat(slow.store.writes()).isZero();

                // and a replica holding the newer one ignores the older when it arrives late
                fast.registry.onInstrument("OKX", OLDER, 0);
                assertThat(fast.registry.stale()).isEqualTo(1);
                assertThat(okxBtc(fast).nativeBase()).isEqualTo("BTC");
            }

            // a replica started later reads the newest
            try (Replica later = new Replica(redis)) {
                await(() -> later.registry.loadedListings() == 1);
                assertThat(okxBtc(later).nativeBase()).isEqualTo("BTC");

                // and the older listing reaching it afterwards changes nothing there or in Redis
                later.registry.onInstrument("OKX", OLDER, 0);
                assertThat(later.registry.stale()).isEqualTo(1);
                assertThat(okxBtc(later).nativeBase()).isEqualTo("BTC");
            }
        }
    }

    private static Listing okxBtc(Replica r) {
        return r.registry.catalog().equivalents(InstrumentKey.parse("BTC/USDT:USDT").orElseThrow()).get(0);
    }

    /** A registry over its own connection to the shared hash, as each gateway replica has one. */
    private static final class Replica implements AutoCloseable {
        final RedisSharedHash store;
        final InstrumentRegistry registry;

        Replica(RedisServer redis) throws InterruptedException {
            GatewayConfig.Redis config = GatewayConfig.defaultsWith("backend.type=redis",
                    "backend.redis.uri=" + redis.uri()).backend().redis();
            store = new RedisSharedHash(config, "instruments", 100);
            registry = new InstrumentRegistry(new InstrumentCatalog(SymbolResolver.withVenueRules(), 100), store, 10);
            await(() -> registry.loadedListings() >= 0); // connected and read what the hash held
        }

        @Override
        public void close() {
            registry.close();
        }
    }
}
