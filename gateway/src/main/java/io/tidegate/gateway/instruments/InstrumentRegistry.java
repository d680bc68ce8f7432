package io.tidegate.gateway.instruments;

import com.google.protobuf.InvalidProtocolBufferException;
import io.tidegate.gateway.backend.Backend;
import io.tidegate.gateway.backend.SharedHash;
import io.tidegate.gateway.backend.StoredMessage;
import io.tidegate.gateway.backend.StoredTopicsFollower;
import io.tidegate.gateway.market.InstrumentDirectory;
import io.tidegate.gateway.market.MarketDataListener;
import io.tidegate.intelligence.instrument.CoMovementProposal;
import io.tidegate.intelligence.instrument.InstrumentCatalog;
import io.tidegate.intelligence.instrument.InstrumentKey;
import io.tidegate.intelligence.instrument.LearnedAlias;
import io.tidegate.intelligence.instrument.Listing;
import io.tidegate.intelligence.instrument.Segment;
import io.tidegate.proto.market.v1.InstrumentDefinition;
import io.tidegate.proto.market.v1.QuoteTick;
import io.tidegate.proto.market.v1.TradeTick;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's knowledge of instruments: every listing accepted on {@code data.instruments.<VENUE>}
 * goes into an {@link InstrumentCatalog} (bounded by {@code intelligence.instruments.max-listings})
 * together with the aliases it shows, and into a {@link SharedHash} (a Redis hash with the Redis
 * backend), which is read back at start so a restart or another replica knows what was listed.
 * Fields: {@code l:<VENUE>|<segment>|<native id>} holds the {@link InstrumentDefinition},
 * {@code a:<VENUE>|<code>} an alias a listing showed as {@code currency \n confidence \n evidence},
 * {@code m:<VENUE>|<code>} one learned from prices ({@link #confirm}) in the same form.
 *
 * <p>Each listing has a version: the definition's {@code ts_event}, else its {@code ts_init}, else
 * when the gateway accepted it (Unix nanoseconds). A listing older than the one held is ignored
 * (counted in {@link #stale}); one of the same version is the same listing, the first kept. The
 * store is written with {@link SharedHash#putIfNewer}, so replicas that all apply a listing write it
 * once between them, and a slow replica's older listing never replaces a newer one in the store.
 *
 * <p>With a backend the replicas share ({@link #followBus}), listings come from the bus instead of
 * this replica's tap: every replica's, each once, in the order stored.
 *
 * <p>Threading: a queued {@link MarketDataListener}, so listings arrive one at a time on the
 * market-data tap's thread once the backend has stored them (those read from the bus are handed
 * to that thread too), and the store writes in the background, so neither the publish path nor
 * the tap waits on Redis. Lookups
 * ({@link #lists}, {@link #catalog()}) are thread-safe and come from gRPC threads.
 */
public final class InstrumentRegistry implements MarketDataListener, InstrumentDirectory, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(InstrumentRegistry.class);
    private static final String LISTING = "l:";
    private static final String ALIAS = "a:";
    private static final String FROM_PRICES = "m:";
    private static final String LISTINGS_TOPICS = "data.instruments.";

    private final InstrumentCatalog catalog;
    private final SharedHash store;
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong unreadable = new AtomicLong();
    private final AtomicLong announced = new AtomicLong();
    private final AtomicLong learnedFromPrices = new AtomicLong();
    private final AtomicLong loadedListings = new AtomicLong(-1);
    private final CopyOnWriteArrayList<Consumer<String>> watchers = new CopyOnWriteArrayList<>();
    private final PendingProposals pending;
    private final AtomicLong readFromBus = new AtomicLong();
    private final AtomicLong stale = new AtomicLong();
    /**
     * The version of each listing the catalog holds, by {@link #field}; bounded as the catalog is.
     * Written under {@code this} with the catalog, since the store's load runs on another thread.
     */
    private final Map<String, Long> versions = new ConcurrentHashMap<>();
    /** Null while listings come from this replica's tap (the memory backend). */
    private volatile StoredTopicsFollower bus;
    /** Unix nanoseconds when {@link #followBus} was called. */
    private volatile long followingSinceNanos;

    /**
     * Reads what {@code store} holds as soon as it can be read (in the background when not at once).
     *
     * @param maxPending co-movement proposals kept at most until a listing confirms them
     *                   ({@code intelligence.instruments.co-movement.max-pending})
     */
    public InstrumentRegistry(InstrumentCatalog catalog, SharedHash store, int maxPending) {
        this.catalog = catalog;
        this.store = store;
        this.pending = new PendingProposals(maxPending);
        store.load(this::load);
    }

    /** Where listings are kept for other replicas and the next start. */
    SharedHash store() {
        return store;
    }

    /** The catalog answering lookups. */
    public InstrumentCatalog catalog() {
        return catalog;
    }

    /**
     * From now on listings come from every replica: what {@code backend} (shared by the replicas)
     * stored on {@code data.instruments.>}, from the earliest entry retained, then as stored, instead
     * of what this replica's tap hands on. Each listing is applied once (this replica's own come
     * back from the bus like the others, so the tap's copy is not applied), in stream order, on
     * the tap's thread ({@code registryThread}), with the same effects as a listing from the tap:
     * subscriptions by instrument are told, pending co-movement proposals tried again. Call once,
     * before the gateway takes traffic.
     *
     * @param registryThread runs work on the thread this registry is confined to (the tap's)
     */
    public void followBus(Backend backend, Executor registryThread, String gatewayId) {
        StoredTopicsFollower f = new StoredTopicsFollower(backend, gatewayId + "/instrument-listings",
                List.of(LISTINGS_TOPICS + ">"), registryThread, this::fromBus, "instrument registry: every replica's listings");
        Instant now = Instant.now();
        followingSinceNanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
        bus = f;
        f.start();
    }

    /** Listings read from the bus since start (every replica's, this one's included; 0 without {@link #followBus}). */
    public long listingsReadFromBus() {
        return readFromBus.get();
    }

    /** True once the listings the bus retained at start have been read (always true without {@link #followBus}). */
    public boolean caughtUpWithBus() {
        StoredTopicsFollower f = bus;
        return f == null || f.caughtUp();
    }

    /** A listing this replica's tap hands on; ignored while the bus brings every replica's. */
    @Override
    public void onInstrument(String venue, InstrumentDefinition definition, long receivedNanos) {
        if (bus == null) {
            Instant now = Instant.now();
            apply(venue, definition, true, now.getEpochSecond() * 1_000_000_000L + now.getNano());
        }
    }

    /** A stored entry of {@code data.instruments.>}: a listing when the topic is exactly {@code data.instruments.<VENUE>}. */
    private void fromBus(StoredMessage stored) {
        readFromBus.incrementAndGet();
        String venue = stored.message().getTopic().substring(LISTINGS_TOPICS.length());
        if (venue.isEmpty() || venue.indexOf('.') >= 0) {
            return; // some other use of the namespace, as the tap reads it
        }
        try {
            // one accepted before this replica followed the bus is in the hash already: every replica,
            // the one that took it included, writes what was accepted after it started following
            apply(venue, InstrumentDefinition.parseFrom(stored.message().getPayload()),
                    stored.acceptedNanos() >= followingSinceNanos, stored.acceptedNanos());
        } catch (InvalidProtocolBufferException e) {
            unreadable.incrementAndGet();
        }
    }

    /** @param acceptedUnixNanos when a gateway accepted the listing: its version when the definition has none */
    private void apply(String venue, InstrumentDefinition definition, boolean store, long acceptedUnixNanos) {
        Optional<Listing> listing = listing(venue, definition);
        if (listing.isEmpty()) {
            unreadable.incrementAndGet();
            return;
        }
        Listing l = listing.get();
        long version = version(definition, acceptedUnixNanos);
        Optional<InstrumentCatalog.Outcome> outcome = addUnlessOlder(l, version);
        if (outcome.isEmpty()) {
            stale.incrementAndGet();
            return;
        }
        switch (outcome.get()) {
            case ADDED, UPDATED -> {
                if (store) {
                    persist(l, definition, version);
                }
                recheckPending(l);
                String key = l.key().toString();
                watchers.forEach(w -> w.accept(key));
                announced.incrementAndGet();
            }
            case FULL -> refused.incrementAndGet();
            case UNCHANGED -> { }
        }
    }

    /** The listing's own timestamp ({@code ts_event}, else {@code ts_init}), else when it was accepted. */
    static long version(InstrumentDefinition d, long acceptedUnixNanos) {
        if (d.getTsEvent() > 0) {
            return d.getTsEvent();
        }
        return d.getTsInit() > 0 ? d.getTsInit() : acceptedUnixNanos;
    }

    /**
     * Adds the listing unless the one held is as new or newer: empty when older than the one held,
     * {@code UNCHANGED} when of the same version (the same listing; the first is kept).
     */
    private synchronized Optional<InstrumentCatalog.Outcome> addUnlessOlder(Listing l, long version) {
        String field = field(l);
        Long held = versions.get(field);
        if (held != null && held > version) {
            return Optional.empty();
        }
        if (held != null && held == version) {
            return Optional.of(InstrumentCatalog.Outcome.UNCHANGED);
        }
        InstrumentCatalog.Outcome outcome = catalog.add(l);
        if (outcome != InstrumentCatalog.Outcome.FULL) {
            versions.put(field, version);
        }
        return Optional.of(outcome);
    }

    private static String field(Listing l) {
        return LISTING + l.venue() + "|" + l.segment() + "|" + l.nativeId();
    }

    @Override
    public boolean lists(String venue, String nativeId, Set<String> keys) {
        for (String key : keys) {
            Optional<InstrumentKey> parsed = InstrumentKey.parse(key);
            if (parsed.isPresent()) {
                for (Listing l : catalog.equivalents(parsed.get())) {
                    if (l.venue().equalsIgnoreCase(venue) && sameSymbol(l.nativeId(), nativeId)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /**
     * Whether a topic's symbol segment names a listing's native id: equal ignoring case and
     * separators, since adapters publish {@code BTC-USDT} as {@code data.quotes.OKX.BTCUSDT}.
     */
    static boolean sameSymbol(String listed, String inTopic) {
        int i = 0;
        int j = 0;
        while (true) {
            while (i < listed.length() && !Character.isLetterOrDigit(listed.charAt(i))) {
                i++;
            }
            while (j < inTopic.length() && !Character.isLetterOrDigit(inTopic.charAt(j))) {
                j++;
            }
            if (i == listed.length() || j == inTopic.length()) {
                return i == listed.length() && j == inTopic.length();
            }
            if (Character.toUpperCase(listed.charAt(i++)) != Character.toUpperCase(inTopic.charAt(j++))) {
                return false;
            }
        }
    }

    @Override
    public AutoCloseable watch(Consumer<String> onListed) {
        watchers.add(onListed);
        return () -> watchers.remove(onListed);
    }

    /** Quotes are not listings; ignored. */
    @Override
    public void onQuote(String venue, String symbol, QuoteTick quote, long receivedNanos) {
    }

    /** Trades are not listings; ignored. */
    @Override
    public void onTrade(String venue, String symbol, TradeTick trade, long receivedNanos) {
    }

    /**
     * Learns from a co-movement proposal when a listing confirms it ({@link InstrumentCatalog#confirm}):
     * quotes carry no segment, so each segment is tried, spot first, and the first that a listing
     * of one side backs decides. A learned alias is stored like the listings, so a restarted gateway
     * or another replica on the same Redis reads it at start. A proposal no listing confirms yet is
     * kept pending (at most {@code maxPending}, the oldest evicted) and tried again when a listing
     * of either side arrives: a venue's quotes often come before its listings.
     *
     * <p>Threading: call it on the market-data tap's thread, where listings arrive too.
     *
     * @return the alias learned now, if any
     */
    public Optional<LearnedAlias> confirm(CoMovementProposal proposal) {
        Optional<LearnedAlias> learned = confirmNow(proposal);
        if (learned.isEmpty()) {
            pending.add(proposal);
        }
        return learned;
    }

    /** Co-movement proposals waiting for a listing to confirm them. */
    public int pendingProposals() {
        return pending.size();
    }

    /** Pending co-movement proposals evicted, oldest first, to keep at most {@code max-pending}. */
    public long evictedProposals() {
        return pending.evicted();
    }

    /** A new or changed listing may confirm proposals that named its symbol before it was listed. */
    private void recheckPending(Listing l) {
        for (CoMovementProposal p : pending.naming(l.venue(), l.nativeId())) {
            if (confirmNow(p).isPresent()) {
                pending.remove(p);
            }
        }
    }

    private Optional<LearnedAlias> confirmNow(CoMovementProposal proposal) {
        for (Segment segment : Segment.values()) {
            Optional<LearnedAlias> learned = catalog.confirm(proposal, segment.name().toLowerCase(Locale.ROOT));
            if (learned.isPresent()) {
                LearnedAlias a = learned.get();
                store.put(FROM_PRICES + a.venue() + "|" + a.code(), encode(a));
                learnedFromPrices.incrementAndGet();
                log.info("instrument registry: learned {} {} = {} from prices (confidence {}): {}", a.venue(),
                        a.code(), a.currency(), a.confidence(), a.evidence());
                return learned;
            }
        }
        return Optional.empty();
    }

    /** Aliases learned from prices ({@link #confirm}) by this gateway since start. */
    public long learnedFromPrices() {
        return learnedFromPrices.get();
    }

    /** Listings ignored because the one held was newer (a slower replica's or adapter's older copy). */
    public long stale() {
        return stale.get();
    }

    /** New listings refused because the registry held {@code max-listings}. */
    public long refused() {
        return refused.get();
    }

    /** Listings read from the store at start; -1 until it has been read. */
    public long loadedListings() {
        return loadedListings.get();
    }

    /** Listings added or changed whose watchers (subscriptions by instrument) have all been told. */
    public long announced() {
        return announced.get();
    }

    /** Definitions without a native id, segment or readable canonical key (or, read from the bus, that do not decode). */
    public long unreadable() {
        return unreadable.get();
    }

    @Override
    public void close() {
        StoredTopicsFollower f = bus;
        if (f != null) {
            f.close();
        }
        store.close();
    }

    /** A listing from a definition: the topic's venue, its raw symbol (else instrument id) and canonical key. */
    static Optional<Listing> listing(String venue, InstrumentDefinition d) {
        String nativeId = !d.getRawSymbol().isBlank() ? d.getRawSymbol() : d.getInstrumentId();
        if (venue.isBlank() || nativeId.isBlank() || d.getSegment().isBlank()) {
            return Optional.empty();
        }
        return InstrumentKey.parse(d.getCanonicalKey().toUpperCase(Locale.ROOT))
                .map(key -> new Listing(venue, d.getSegment(), nativeId, key, d.getAliasesList(), d.getNativeBase(),
                        d.getNativeQuote()));
    }

    private void persist(Listing l, InstrumentDefinition definition, long version) {
        store.putIfNewer(field(l), definition.toBuilder().setVenue(l.venue()).build().toByteArray(), version);
        for (LearnedAlias shown : InstrumentCatalog.aliasesShownBy(l)) {
            // only what the catalog kept: a surer alias already held for the code stays the stored one
            if (catalog.learnedAlias(shown.venue(), shown.code()).filter(shown::equals).isPresent()) {
                store.put(ALIAS + shown.venue() + "|" + shown.code(), encode(shown));
            }
        }
    }

    private void load(Map<String, byte[]> entries) {
        int listings = 0;
        for (Map.Entry<String, byte[]> e : entries.entrySet()) {
            if (e.getKey().startsWith(LISTING)) {
                listings += loadListing(e.getValue(), entries.get(SharedHash.versionField(e.getKey()))) ? 1 : 0;
            } else if (e.getKey().startsWith(ALIAS)) {
                decode(e.getKey().substring(ALIAS.length()), e.getValue(), LearnedAlias.Origin.LISTING)
                        .ifPresent(catalog::learn);
            } else if (e.getKey().startsWith(FROM_PRICES)) {
                decode(e.getKey().substring(FROM_PRICES.length()), e.getValue(), LearnedAlias.Origin.CO_MOVEMENT)
                        .ifPresent(catalog::learn);
            }
        }
        loadedListings.set(listings);
        if (!entries.isEmpty()) {
            log.info("instrument registry: {} listings and {} learned aliases read from the store", listings,
                    catalog.aliasCount());
        }
    }

    /** @param version the stored version (a decimal); null for one stored before listings had versions */
    private boolean loadListing(byte[] value, byte[] version) {
        try {
            InstrumentDefinition d = InstrumentDefinition.parseFrom(value);
            Optional<Listing> l = listing(d.getVenue(), d);
            if (l.isEmpty()) {
                return false;
            }
            // one published since start (or read from the bus already) may be newer and then stays
            return addUnlessOlder(l.get(), storedVersion(version))
                    .map(o -> o != InstrumentCatalog.Outcome.FULL).orElse(true);
        } catch (InvalidProtocolBufferException e) {
            unreadable.incrementAndGet();
            return false;
        }
    }

    /** An unreadable or missing version is older than any: the listing stays unless one is held. */
    private static long storedVersion(byte[] version) {
        if (version == null) {
            return 0;
        }
        try {
            return Long.parseLong(new String(version, StandardCharsets.US_ASCII));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static byte[] encode(LearnedAlias a) {
        return (a.currency() + "\n" + a.confidence() + "\n" + a.evidence()).getBytes(StandardCharsets.UTF_8);
    }

    /** {@code field} is {@code <VENUE>|<code>}. */
    private static Optional<LearnedAlias> decode(String field, byte[] value, LearnedAlias.Origin origin) {
        int bar = field.indexOf('|');
        String[] parts = new String(value, StandardCharsets.UTF_8).split("\n", 3);
        if (bar <= 0 || parts.length != 3) {
            return Optional.empty();
        }
        try {
            return Optional.of(new LearnedAlias(field.substring(0, bar), field.substring(bar + 1), parts[0],
                    Double.parseDouble(parts[1]), parts[2], origin));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
