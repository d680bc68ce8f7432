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
        Arbitrage arbitrage, Security security, Intelligence intelligence, Risk risk, Ops ops,
        Console console, Remediation remediation, Tuning tuning) {

    /**
     * Adaptive tuning ({@code tuning.*}, docs/tuning.md): a controller that moves the settings below
     * within their bounds, from the measured dispatch and delivery rates, every {@code interval}.
     *
     * @param frozen        start with the controller frozen (no moves until unfrozen on the admin port)
     * @param window        intervals averaged into one measured block of a setting's value
     * @param settle        intervals skipped after a move before measuring
     * @param minGain       the least gain (a fraction) worth a step: a step shown to gain less is reverted
     * @param significance  the one-sided significance of the test over rounds that keeps or reverts a step
     * @param maxRounds     the most rounds (A B B A) one step is measured for; reverted without a verdict
     * @param reexploreAfter after the steps of every setting have shrunk to their least, the
     *                      controller starts exploring again after this long
     * @param maxBatch      bounds of {@code dispatch.max-batch}
     * @param classBatch    bounds of the least messages one ingress lane decision takes from a class
     * @param readCount     bounds of {@code backend.redis.read-count} (tuned only with the Redis backend)
     * @param readAhead     bounds of {@code delivery.read-ahead-messages}
     */
    public record Tuning(boolean enabled, boolean frozen, Duration interval, int window, int settle, double minGain,
                         double significance, int maxRounds, Duration reexploreAfter, Bounds maxBatch, Bounds classBatch,
                         Bounds readCount, Bounds readAhead) {
    }

    /** Inclusive bounds of a tuned integer setting. */
    public record Bounds(int min, int max) {
    }

    /**
     * The pre-trade risk gate ({@code risk.*}, docs/risk.md).
     *
     * @param defaults         limits of every strategy and instrument no entry of {@code limits} names
     * @param limits           the inline {@code risk.limits}, as JSON text (a list)
     * @param limitsFile       a file with a {@code limits} list used instead of {@code limits}, reloaded when it
     *                         changes; empty for none
     * @param reloadInterval   how often {@code limitsFile} is checked for changes
     * @param maxInstruments   instruments whose last mid price is kept, and instruments tracked per strategy
     * @param maxStrategies    strategies whose orders and positions are tracked; orders of further ones are refused
     * @param maxTrackedOrders open orders tracked per strategy; further new orders are refused
     * @param adminRole        the role a caller needs for {@code RiskService} when authentication is on
     * @param killPollInterval how often a replica reads the kill switches from Redis
     */
    public record Risk(boolean enabled, RiskLimit defaults, String limits, String limitsFile, Duration reloadInterval,
                       int maxInstruments, int maxStrategies, int maxTrackedOrders, String adminRole,
                       Duration killPollInterval) {
    }

    /**
     * One set of pre-trade limits; 0 stands for no limit (for {@code maxPriceAge}: the mid never goes stale).
     *
     * @param collarBps       how far a LIMIT price may be from the last mid, in basis points of the mid
     * @param ordersPerSecond new orders per second per strategy and instrument (burst: one second's worth)
     * @param maxPriceAge     how old the last mid may be for the rules that need it (notional, collar)
     */
    public record RiskLimit(double maxQuantity, double maxNotional, double collarBps, double ordersPerSecond,
                            int maxOpenOrders, double maxPosition, Duration maxPriceAge) {
    }

    /** Operations: alerts ({@code ops.*}). */
    public record Ops(Alerts alerts) {
    }

    /**
     * The alert engine ({@code ops.alerts.*}): built-in rules (when {@code defaultsEnabled}) plus
     * {@code rules}, evaluated every {@code evaluationInterval} by the one replica that holds the
     * lease ({@code leaseTime}); notifications go to the channels of a route's levels.
     *
     * @param resolveAfter     how long a firing alert's condition must not hold, without a break, before
     *                         it resolves; the built-in rules' and every rule's that sets none
     * @param route            channels per escalation level ({@code log}, {@code webhook}, {@code topic})
     * @param groupBy          labels whose values group alerts into one notification
     * @param feedStaleAfter   the built-in feed-stale rule's quiet time
     * @param subscriberStallAfter a stream whose client has not read for this long while deliveries
     *                         wait counts as stalled ({@code tidegate_subscribers_stalled})
     * @param maxAlerts        alerts (active and resolved) kept at most; further series are not tracked
     */
    public record Alerts(boolean enabled, boolean defaultsEnabled, Duration evaluationInterval, Duration leaseTime,
                         Duration escalateAfter, Duration repeatInterval, Duration resolveAfter,
                         java.util.List<java.util.List<String>> route,
                         java.util.List<String> groupBy, Duration resolvedRetention, int maxAlerts,
                         Duration feedStaleAfter, Duration subscriberStallAfter, Webhook webhook,
                         java.util.List<AlertRule> rules) {

        public Alerts {
            route = route.stream().map(java.util.List::copyOf).toList();
            groupBy = java.util.List.copyOf(groupBy);
            rules = java.util.List.copyOf(rules);
        }
    }

    /** The HTTP webhook channel: Alertmanager-compatible JSON POSTed to {@code url} (empty: off). */
    public record Webhook(String url, Duration timeout, int maxAttempts, Duration initialBackoff, int queueCapacity) {
    }

    /** How urgent an alert is, lowest first. */
    public enum Severity { INFO, WARNING, CRITICAL, PAGE }

    /** What an alert rule's condition looks at. */
    public enum ConditionKind {
        /** the metric's value is above the threshold */
        ABOVE,
        /** the metric's value is below the threshold */
        BELOW,
        /** the counter rose by more than the threshold within the window */
        INCREASE,
        /** the counter rose before but not within the window (a normally active feed went quiet) */
        STALE,
        /** the gauge is above the threshold and higher than it was one window ago */
        GROWING,
        /**
         * a component (the metric field names it; {@code *} for every one) is worse than the
         * threshold: 0 fires on degraded or down, 1 on down only
         */
        HEALTH
    }

    /**
     * One alert rule. {@code metric} is a name as {@code /metrics} shows it (counters with
     * {@code _total}) or, for {@link ConditionKind#HEALTH}, a component name; {@code match} keeps
     * the series whose labels have these values; {@code by} sums the series per these labels
     * (empty: every series on its own).
     *
     * @param resolveAfter a firing alert resolves only once its condition has not held for this
     *                     long without a break (zero: as soon as it does not hold)
     * @param route channels per level, or empty for {@code ops.alerts.route}
     */
    public record AlertRule(String name, ConditionKind condition, String metric, java.util.Map<String, String> match,
                            java.util.List<String> by, double threshold, Duration window, Duration forDuration,
                            Duration resolveAfter, Severity severity, java.util.Map<String, String> labels, String summary,
                            Duration escalateAfter, Duration repeatInterval, java.util.List<java.util.List<String>> route) {

        public AlertRule {
            match = java.util.Map.copyOf(match);
            by = java.util.List.copyOf(by);
            labels = java.util.Map.copyOf(labels);
            route = route.stream().map(java.util.List::copyOf).toList();
        }
    }


    /**
     * The operations console on the admin port ({@code console.*}): the live page at {@code /},
     * its snapshot ({@code /api/state}) and event stream ({@code /api/events}), and the replica
     * announcements it lists.
     *
     * @param enabled          serve the page and its APIs
     * @param maxTopics        topics counted for the per-topic panels and metrics; further topics count as {@code other}
     * @param maxClients       event-stream clients at once; one more is answered 503
     * @param pushInterval     how often the snapshot is taken and pushed to the event-stream clients
     * @param stallLimit       an event-stream client whose write has not finished after this long is dropped
     * @param announceInterval how often this replica announces itself on the bus; one not heard for
     *                         three intervals shows as gone
     */
    public record Console(boolean enabled, int maxTopics, int maxClients, Duration pushInterval, Duration stallLimit,
                          Duration announceInterval) {
    }

    /**
     * Automatic remediation ({@code remediation.*}, docs/operations.md#automatic-remediation).
     *
     * @param enabled       false switches every action and report off at once
     * @param checkInterval how often the conditions are looked at
     * @param maxActions    actions of one kind at most per {@code per}; further ones are skipped (and logged)
     * @param per           the period of that rate limit
     * @param recent        actions and reports the console lists, newest first
     * @param restartReader a Redis read loop with demand and no progress for {@code after} is restarted
     * @param shedAtSpool   refuse BULK over {@code bulkAbove}, LOW too over {@code lowAbove} of the spool's
     *                      capacity, until it is below {@code resumeBelow} (fractions 0..1)
     * @param closeIdleSubscriber a stream whose client has not read for {@code after} while deliveries wait is
     *                      closed
     * @param reportAfter   a condition with no action (backend unreachable) lasting this long is reported once
     */
    public record Remediation(boolean enabled, Duration checkInterval, int maxActions, Duration per, int recent,
                              Action restartReader, Shedding shedAtSpool, Action closeIdleSubscriber,
                              Duration reportAfter) {
    }

    /** One remediation action: its switch and how long its condition must last. */
    public record Action(boolean enabled, Duration after) {
    }

    /** {@code remediation.shed-at-spool.*}: the switch and the thresholds, fractions of the spool's capacity. */
    public record Shedding(boolean enabled, double bulkAbove, double lowAbove, double resumeBelow) {
    }

    /**
     * What the gateway learns from the market data published through it ({@code intelligence.*}).
     *
     * @param tapQueueCapacity accepted market messages waiting for the intelligence thread; past it new
     *                         ones are skipped (the publishes themselves succeed)
     * @param instruments      the instrument registry ({@code intelligence.instruments.*})
     * @param books            the order books kept from {@code data.books.*} ({@code intelligence.books.*})
     */
    public record Intelligence(int tapQueueCapacity, Regimes regimes, Instruments instruments, Books books) {
    }

    /**
     * Order books kept from {@code data.books.<VENUE>.<SYMBOL>} ({@code intelligence.books.*}).
     *
     * @param maxBooks books kept at most; batches of further ones are counted, not kept
     * @param maxDepth price levels held per side of a book (the best ones)
     */
    public record Books(boolean enabled, int maxBooks, int maxDepth) {
    }

    /**
     * Market regime detection ({@code intelligence.regime.*}).
     *
     * @param maxInstruments instruments tracked at most; messages of further ones are counted, not tracked
     * @param watchBuffer    changes buffered per WatchRegimes stream before it is ended RESOURCE_EXHAUSTED
     */
    public record Regimes(boolean enabled, int maxInstruments, int watchBuffer) {
    }

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

    /**
     * The HTTP admin listener; port -1 disables it, 0 picks a free one. {@code /healthz} and
     * {@code /readyz} are always open; every other path needs what {@code auth} says, and the
     * identity must hold {@code authRole} unless it is empty.
     */
    public record Http(String host, int port, AdminAuth auth, String authRole) {
    }

    /** What the admin port asks of a caller of its protected paths. */
    public enum AdminAuth {
        /** nothing (only safe on loopback) */
        NONE,
        /** {@code Authorization: Bearer <token>}: a JWT or a static API token */
        TOKEN,
        /** a client certificate signed by {@code security.tls.client-ca-file} */
        MTLS
    }

    /**
     * Transport security and authentication. The gateway is secure when TLS is on and callers
     * must authenticate ({@link #authEnabled()}); otherwise it listens on loopback only, unless
     * {@code allowInsecureBind}.
     *
     * @param apiTokens static tokens by identity name
     */
    public record Security(boolean require, boolean allowInsecureBind, Tls tls, Jwt jwt,
                           java.util.Map<String, ApiToken> apiTokens, Acl acl) {

        public Security {
            apiTokens = java.util.Map.copyOf(apiTokens);
        }

        /** True when every RPC must carry a token or a client certificate. */
        public boolean authEnabled() {
            return jwt.enabled() || !apiTokens.isEmpty() || tls.clientAuth() != ClientAuth.NONE;
        }

        /** True when bearer tokens (JWT or static) are accepted. */
        public boolean tokensEnabled() {
            return jwt.enabled() || !apiTokens.isEmpty();
        }

        /** TLS and authentication are both on. */
        public boolean secure() {
            return tls.enabled() && authEnabled();
        }
    }

    /**
     * Authorisation: what each identity may publish, subscribe to and join. Off by default, so a
     * gateway without rules lets every caller do everything.
     *
     * @param rules the inline {@code security.acl.rules}, as JSON text (a list)
     * @param file  a HOCON or JSON file with a {@code rules} list that replaces them and is
     *              loaded again when it changes; empty for none
     */
    public record Acl(boolean enabled, String file, String rules) {
    }

    /**
     * The certificate files of both listeners (PEM), re-read when their modification time changes.
     *
     * @param clientRoles roles of certificate identities, by identity name
     */
    public record Tls(String certChainFile, String privateKeyFile, String clientCaFile, ClientAuth clientAuth,
                      ClientIdentity clientIdentity, java.util.Map<String, java.util.List<String>> clientRoles,
                      Duration reloadInterval) {

        public Tls {
            clientRoles = java.util.Map.copyOf(clientRoles);
        }

        public boolean enabled() {
            return !certChainFile.isBlank();
        }
    }

    /** Whether clients must present a certificate. */
    public enum ClientAuth { NONE, OPTIONAL, REQUIRE }

    /** Which name of a client certificate is its identity. */
    public enum ClientIdentity { SAN_URI, SAN_DNS, CN }

    /**
     * JWT bearer tokens, verified against a JWKS file (re-read when it changes) or an HMAC secret.
     * Empty issuer or audience: not checked.
     */
    public record Jwt(String jwksFile, String hmacSecret, String issuer, String audience, String identityClaim,
                      String rolesClaim, Duration clockSkew) {

        public boolean enabled() {
            return !jwksFile.isBlank() || !hmacSecret.isEmpty();
        }

        @Override
        public String toString() {
            // never print the secret
            return "Jwt[jwksFile=" + jwksFile + ", hmacSecret=" + (hmacSecret.isEmpty() ? "" : "***") + ", issuer="
                    + issuer + ", audience=" + audience + ", identityClaim=" + identityClaim + ", rolesClaim="
                    + rolesClaim + ", clockSkew=" + clockSkew + "]";
        }
    }

    /** A static API token: the SHA-256 (lower-case hex) of the token, its identity and roles. */
    public record ApiToken(String sha256, String identity, java.util.List<String> roles) {

        public ApiToken {
            roles = java.util.List.copyOf(roles);
        }
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

    /**
     * Queues between ingress and backend, the workers that drain them, and how their lanes (and
     * every stream's outbound lanes) are scheduled.
     */
    public record Dispatch(int ingressQueueCapacity, int maxBatch, Workers workers, Scheduling scheduling,
                           boolean criticalHandoff) {

        /** With {@code dispatch.critical-handoff} off: every message through a worker. */
        public Dispatch(int ingressQueueCapacity, int maxBatch, Workers workers, Scheduling scheduling) {
            this(ingressQueueCapacity, maxBatch, workers, scheduling, false);
        }

        /** With the default scheduling ({@code strict}), for tests and embedded use. */
        public Dispatch(int ingressQueueCapacity, int maxBatch, Workers workers) {
            this(ingressQueueCapacity, maxBatch, workers, Scheduling.defaults());
        }
    }

    /**
     * Which policy drains the priority lanes ({@code dispatch.policy}), the per-class deadlines,
     * weights and maximum waits and the rails and watchdog settings ({@code settings}), and the
     * regime-aware priority rules ({@code dispatch.regime-rules}).
     */
    public record Scheduling(io.tidegate.intelligence.scheduling.PolicyKind policy,
                             io.tidegate.intelligence.scheduling.SchedulingConfig settings,
                             java.util.List<RegimeRoute> regimeRules) {

        public Scheduling {
            regimeRules = java.util.List.copyOf(regimeRules);
        }

        /** {@code strict} with the default class settings and no regime rules. */
        public static Scheduling defaults() {
            return new Scheduling(io.tidegate.intelligence.scheduling.PolicyKind.STRICT,
                    io.tidegate.intelligence.scheduling.SchedulingConfig.defaults(), java.util.List.of());
        }

        /** The same with another policy. */
        public Scheduling withPolicy(io.tidegate.intelligence.scheduling.PolicyKind kind) {
            return new Scheduling(kind, settings, regimeRules);
        }
    }

    /**
     * One regime-aware priority rule, {@code REGIME topic-pattern -> up N | down N | conflate}:
     * messages on topics matching {@code topicPattern} whose instrument is in {@code regime} move
     * {@code shift} classes up (negative: down), or are marked conflatable.
     */
    public record RegimeRoute(io.tidegate.intelligence.regime.Regime regime, String topicPattern, int shift,
                              boolean conflate) {
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
     * (seed nodes of a Redis Cluster), never both. {@code username} and {@code passwordFile} log in
     * as an ACL user when the URI carries no credentials (empty when unused); {@code tls} applies
     * to {@code rediss://} URIs. {@code sharedReaders} is the number of reader connections all
     * broadcast subscriptions and group members share on standalone Redis (0: one per subscription). Holds file
     * paths, never the password read from them.
     */
    public record Redis(String uri, String keyPrefix, Duration reclaimInterval, Duration blockTimeout, int readCount,
                        int sharedReaders, java.util.List<String> clusterNodes, String username, String passwordFile, RedisTls tls) {

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

        /** True when the configured URIs are {@code rediss://}. */
        public boolean usesTls() {
            String first = isCluster() ? clusterNodes.get(0) : uri;
            return first.regionMatches(true, 0, "rediss:", 0, 7);
        }

        /** Without the password a URI may carry, so the record can be logged. */
        @Override
        public String toString() {
            return "Redis[uri=" + redact(uri) + ", keyPrefix=" + keyPrefix + ", clusterNodes="
                    + clusterNodes.stream().map(Redis::redact).toList() + ", username=" + username
                    + ", passwordFile=" + passwordFile + ", tls=" + tls + "]";
        }

        private static String redact(String uri) {
            return uri.replaceFirst("^([A-Za-z][A-Za-z0-9+.-]*://)[^@/?#]*@", "$1***@");
        }
    }

    /**
     * TLS files for {@code rediss://}: the CA that signed Redis' certificate (empty: the JVM's
     * trust store) and an optional client certificate chain and PKCS#8 key (both or neither), PEM.
     */
    public record RedisTls(String caFile, String certFile, String keyFile) {

        /** True when a client certificate is configured. */
        public boolean hasClientCertificate() {
            return !certFile.isEmpty();
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

    /**
     * The default client limits and the overrides per client: the authenticated identity when
     * authentication is on, else the name sent in Hello.
     */
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
     * @param coMovement  aliases learned from prices ({@code intelligence.instruments.co-movement})
     */
    public record Instruments(int maxListings, CoMovement coMovement) {
    }

    /**
     * Aliases learned from prices ({@code intelligence.instruments.co-movement}): a symbol no listing
     * names whose mid tracks a listed market's is proposed as the same asset, and learned when the
     * listing confirms which code is which.
     *
     * @param enabled     whether the gateway watches quotes for it
     * @param maxBps      widest gap between the two mids, in bps of their mean, that counts as tracking
     * @param minSamples  consecutive quotes within it before a proposal
     * @param minDuration time those quotes must span at least
     * @param maxSkew     how much older the other side's mid may be to be compared
     * @param maxSymbols  (venue, symbol)s tracked at most; quotes of further ones are ignored
     * @param maxPairs    pairs tracked at most
     * @param maxPending  proposals no listing confirmed yet kept at most, waiting for one (oldest evicted)
     */
    public record CoMovement(boolean enabled, double maxBps, int minSamples, Duration minDuration, Duration maxSkew,
                             int maxSymbols, int maxPairs, int maxPending) {
    }

    /**
     * One venue's terms for arbitrage: taker fee, smallest order, and the segment its
     * {@code data.quotes.<VENUE>.<SYMBOL>} symbols are read in ({@code spot}, {@code linear},
     * {@code inverse}, {@code quanto}, {@code option}).
     */
    public record ArbitrageVenue(double takerFeeBps, double minSize, String segment) {
    }

    /** True for an address only this machine can reach: 127.0.0.0/8, ::1 or localhost. */
    public static boolean isLoopback(String host) {
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        return h.equalsIgnoreCase("localhost") || h.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}")
                || h.equals("::1") || h.equals("0:0:0:0:0:0:0:1");
    }

    /** Defaults plus the given overrides ("grpc.port=0"); for tests and embedding. */
    public static GatewayConfig defaultsWith(String... overrides) {
        return ConfigLoader.load(null, java.util.Map.of(), java.util.List.of(overrides));
    }
}
