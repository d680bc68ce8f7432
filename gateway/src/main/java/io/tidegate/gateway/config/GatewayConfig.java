package io.tidegate.gateway.config;

import java.time.Duration;

/**
 * The whole validated gateway configuration, built once at start by {@link ConfigLoader}.
 * Immutable; safe to share between threads.
 */
public record GatewayConfig(
        String gatewayId,
        Grpc grpc,
        Http http,
        Limits limits,
        Dispatch dispatch,
        Delivery delivery,
        Duration dedupWindow,
        Retention retention,
        BackendChoice backend,
        Resilience resilience,
        Duration drainTimeout,
        Otel otel,
        Arbitrage arbitrage,
        Instruments instruments) {

    /**
     * OpenTelemetry: traces (and OTLP metrics export) when {@code enabled}; metrics for the
     * Prometheus {@code /metrics} endpoint when {@code metricsEnabled}.
     */
    public record Otel(boolean enabled, String endpoint, io.tidegate.otel.OtelSettings.Protocol protocol,
                       double samplingRatio, String serviceName, boolean metricsEnabled,
                       Duration metricsExportInterval, Duration consumerLagInterval, LogFormat logFormat) {

        /** The settings of this replica, {@code service.instance.id} = its gateway id. */
        public io.tidegate.otel.OtelSettings settings(String gatewayId) {
            return new io.tidegate.otel.OtelSettings(enabled, metricsEnabled, endpoint, protocol, samplingRatio,
                    serviceName, gatewayId, metricsExportInterval);
        }
    }

    /** How log lines are written: readable text, or one JSON object per line. */
    public enum LogFormat { TEXT, JSON }

    /** The gRPC listener. */
    public record Grpc(String host, int port, Duration keepaliveTime, Duration keepaliveTimeout,
                       Duration permitKeepaliveTime, int maxInboundMessageBytes) {
    }

    /** The HTTP admin listener; port -1 disables it, 0 picks a free one. */
    public record Http(String host, int port) {
    }

    /**
     * What one client stream may do. {@code maxFrameBytes} bounds one serialized ConnectRequest (or
     * unary PublishRequest); the gateway refuses a larger one itself, keeping the stream.
     */
    public record Limits(int maxPayloadBytes, int maxBatchMessages, int maxSubscriptionsPerStream,
                         int maxTopicLength, int maxHeaders, int defaultCredit, int maxCredit, int maxFrameBytes) {

        /**
         * Room a frame needs beyond the largest payload for one message's topic, id, ordering key
         * and headers, so a message of the largest payload always fits a frame of its own.
         */
        public static final int MESSAGE_ENVELOPE_ALLOWANCE = 64 * 1024;
    }

    /** Queues between ingress and backend, and the workers that drain them. */
    public record Dispatch(int ingressQueueCapacity, int maxBatch, Workers workers) {
    }

    /**
     * The dispatch worker pool: each worker has one append in flight. It grows (doubling) once the
     * queues have held at least {@code scaleUpDepth} messages, or their oldest message has waited
     * at least {@code scaleUpDelay}, for {@code scaleUpAfter}, while all its workers have been
     * busy at once (more workers do not help messages that wait for their key); it shrinks (by
     * half the surplus) after {@code scaleDownAfter} without such pressure, never below the most
     * workers that were busy at once in that time.
     */
    public record Workers(int min, int max, int scaleUpDepth, Duration scaleUpDelay, Duration scaleUpAfter,
                          Duration scaleDownAfter, Duration sampleInterval) {

        /** A pool of exactly {@code n} workers, for tests and embedded use. */
        public static Workers fixed(int n) {
            return new Workers(n, n, 1, Duration.ofMillis(1), Duration.ofMillis(1), Duration.ofSeconds(1),
                    Duration.ofMillis(10));
        }
    }

    /**
     * Group acks, redelivery, and what may wait in gateway memory for subscriber streams:
     * {@code outboundBytesPerSubscription} per subscription, {@code outboundBytes} for the whole
     * gateway (already resolved: never 0), {@code readAheadMessages} most messages one
     * subscription asks the backend for ahead of its stream, {@code balancing} who in a group
     * gets a message.
     */
    public record Delivery(Duration defaultAckDeadline, Duration maxAckDeadline, int maxDeliveries,
                           long outboundBytesPerSubscription, long outboundBytes, int readAheadMessages,
                           Balancing balancing) {
    }

    /**
     * {@code delivery.balancer}: which member of a consumer group gets a message ({@code pull}:
     * whichever reads; {@code predictive}: the one predicted to finish it first), and
     * {@code delivery.balancer-max-members}, the most members of one group on one gateway the
     * predictive balancer keeps a predictor for (later ones read as under pull).
     */
    public record Balancing(io.tidegate.intelligence.balancing.BalancerKind kind, int maxMembers) {

        /** The default: pull. */
        public static Balancing pull() {
            return new Balancing(io.tidegate.intelligence.balancing.BalancerKind.PULL, 256);
        }
    }

    /** Per-topic stream retention; a zero maxAge means no age limit. */
    public record Retention(long maxLength, Duration maxAge) {
    }

    /**
     * What any backend needs besides its own connection settings: the gateway id (names its
     * connections and consumers), retention, the dedup window and the group delivery rules.
     */
    public record Storage(String gatewayId, Retention retention, Duration dedupWindow, Delivery delivery) {
    }

    /** The {@link Storage} slice of this configuration. */
    public Storage storage() {
        return new Storage(gatewayId, retention, dedupWindow, delivery);
    }

    /** Which backend runs, and the Redis settings when it is Redis. */
    public record BackendChoice(BackendType type, Redis redis) {
    }

    /** Backend kinds. */
    public enum BackendType { MEMORY, REDIS }

    /**
     * Redis backend settings: either {@code uri} (one standalone Redis) or {@code clusterNodes}
     * (seed nodes of a Redis Cluster), never both.
     */
    public record Redis(String uri, String keyPrefix, Duration reclaimInterval, Duration blockTimeout, int readCount,
                        java.util.List<String> clusterNodes) {

        public Redis {
            clusterNodes = java.util.List.copyOf(clusterNodes);
        }

        /** True when Tidegate talks to a Redis Cluster. */
        public boolean isCluster() {
            return !clusterNodes.isEmpty();
        }

        /** True when either a standalone URI or cluster nodes are set. */
        public boolean isConfigured() {
            return !uri.isBlank() || isCluster();
        }
    }

    /**
     * Circuit breaker, retry and time limit around backend appends, and the disk spool that takes
     * publishes while the backend is unavailable. Applies to the redis backend only (the memory
     * backend lives in the gateway and cannot become unreachable).
     */
    public record Resilience(boolean enabled, Duration callTimeout, Retry retry, Breaker breaker, Spool spool,
                             ClientLimits clientLimits) {
    }

    /**
     * Publish limits of one client stream (RateLimiter + Bulkhead). Applies to every backend,
     * whether or not {@code resilience.enabled}.
     *
     * @param publishRate  messages per second; 0 = unlimited
     * @param publishBurst messages that may arrive at once within the rate (the RateLimiter's
     *                     permits per refresh period)
     * @param maxInFlight  publishes of one stream awaiting the backend
     * @param keyPrefix    where these values were configured, for messages
     *                     ({@code resilience.client-limits.default} or {@code ...clients."name"})
     */
    public record ClientLimit(int publishRate, int publishBurst, int maxInFlight, String keyPrefix) {
    }

    /** The default client limits and the overrides per client name (as sent in Hello). */
    public record ClientLimits(ClientLimit defaults, java.util.Map<String, ClientLimit> clients) {

        public ClientLimits {
            clients = java.util.Map.copyOf(clients);
        }

        /** The limits for a client name: its override, else the defaults. */
        public ClientLimit forClient(String clientName) {
            return clients.getOrDefault(clientName, defaults);
        }
    }

    /** Retries of a failed append, in order, before it goes to the spool. */
    public record Retry(int maxAttempts, Duration initialBackoff, double multiplier, double jitter) {
    }

    /** Resilience4j circuit breaker over backend appends (count-based sliding window). */
    public record Breaker(int failureRateThreshold, int slidingWindowSize, int minimumCalls,
                          Duration openWait, int halfOpenCalls) {
    }

    /** The local append-only disk spool. */
    public record Spool(String dir, long maxBytes, long segmentBytes, FsyncPolicy fsync, Duration fsyncInterval) {
    }

    /** When the spool forces written records to disk. */
    public enum FsyncPolicy {
        /** before every acknowledgement: nothing acknowledged is lost even on power failure */
        ALWAYS,
        /** every fsync-interval: a power failure loses up to one interval of acknowledged messages */
        INTERVAL,
        /** left to the OS: a process crash loses nothing, a power failure may lose seconds */
        NEVER
    }

    /**
     * The cross-venue arbitrage detector ({@code intelligence.arbitrage}): off unless
     * {@code enabled}, since it reads every quote and adds {@code signals.arb.*} topics.
     *
     * @param staleAfter         a venue without an update for this long is left out
     * @param maxInstruments     canonical instruments tracked at most
     * @param maxVenues          venues tracked at most
     * @param maxSymbols         (venue, symbol) resolutions kept at most
     * @param minConfidence      resolutions below this confidence are ignored
     * @param defaults           terms of venues {@code venues} does not name
     * @param venues             terms by venue name as in topics, upper case
     */
    public record Arbitrage(boolean enabled, double thresholdBps, Duration staleAfter, int maxInstruments,
                            int maxVenues, int maxSymbols, double updateEdgeBps, double updateSizeFraction,
                            double minConfidence, ArbitrageVenue defaults,
                            java.util.Map<String, ArbitrageVenue> venues) {

        public Arbitrage {
            venues = java.util.Map.copyOf(venues);
        }

        /** The terms of a venue (any case): its own, else the defaults. */
        public ArbitrageVenue venue(String name) {
            return venues.getOrDefault(name.toUpperCase(java.util.Locale.ROOT), defaults);
        }
    }

    /**
     * The instrument registry ({@code intelligence.instruments}): venue listings read from
     * {@code data.instruments.<VENUE>} and the aliases learned from them.
     *
     * @param maxListings listings kept at most (and learned aliases at most); further new listings
     *                    are refused and their ids read by rules only
     */
    public record Instruments(int maxListings) {
    }

    /**
     * One venue's terms for arbitrage: taker fee, smallest order, and the segment its
     * {@code data.quotes.<VENUE>.<SYMBOL>} symbols are read in ({@code spot}, {@code linear},
     * {@code inverse}, {@code quanto}, {@code option}).
     */
    public record ArbitrageVenue(double takerFeeBps, double minSize, String segment) {
    }

    /** Defaults plus the given overrides ("grpc.port=0"); for tests and embedding. */
    public static GatewayConfig defaultsWith(String... overrides) {
        return ConfigLoader.load(null, java.util.Map.of(), java.util.List.of(overrides));
    }
}
