package io.tidegate.gateway.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import com.typesafe.config.ConfigValueFactory;
import io.tidegate.intelligence.balancing.BalancerKind;
import io.tidegate.otel.OtelSettings;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads and validates {@link GatewayConfig}: reference defaults, then the config file (HOCON,
 * or YAML-style JSON superset), then {@code TIDEGATE_*} environment variables, then
 * {@code key=value} overrides from flags. Every bad value fails start-up with a message that
 * names the key and the allowed range. Stateless.
 */
public final class ConfigLoader {

    private static final String ROOT = "tidegate";
    private static final String ENV_PREFIX = "TIDEGATE_";
    private static final String CLIENT_LIMITS = "resilience.client-limits";
    private static final String CLIENT_OVERRIDES = CLIENT_LIMITS + ".clients";
    private static final Set<String> CLIENT_LIMIT_KEYS = Set.of("publish-rate", "publish-burst", "max-in-flight");
    private static final String ARBITRAGE = "intelligence.arbitrage";
    private static final String ARBITRAGE_VENUES = ARBITRAGE + ".venues";
    private static final Set<String> ARBITRAGE_VENUE_KEYS = Set.of("taker-fee-bps", "min-size", "segment");
    private static final Set<String> SEGMENTS = Set.of("spot", "linear", "inverse", "quanto", "option");

    private ConfigLoader() {
    }

    /**
     * @param file      optional config file; null for none
     * @param env       environment variables (only {@code TIDEGATE_*} keys are read)
     * @param overrides {@code key=value} with keys relative to {@code tidegate.}
     */
    public static GatewayConfig load(Path file, Map<String, String> env, List<String> overrides) {
        Config reference = ConfigFactory.parseResources(ConfigLoader.class, "/reference.conf");
        Config fromFile = ConfigFactory.empty();
        if (file != null) {
            if (!Files.isRegularFile(file)) {
                throw new InvalidConfigException("config file " + file + " does not exist or is not a file");
            }
            try {
                fromFile = ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
            } catch (ConfigException e) {
                throw new InvalidConfigException("config file " + file + " cannot be parsed: " + e.getMessage());
            }
            rejectKeysOutsideRoot(fromFile, file);
        }
        try {
            Config merged = fromOverrides(overrides)
                    .withFallback(fromEnv(env, reference))
                    .withFallback(fromFile)
                    .withFallback(reference)
                    .resolve();
            rejectUnknownKeys(merged, reference);
            return build(merged.getConfig(ROOT));
        } catch (ConfigException e) {
            // e.g. an unresolved ${substitution}, or a section replaced by a plain value
            throw new InvalidConfigException(e.getMessage());
        }
    }

    private static Config fromEnv(Map<String, String> env, Config reference) {
        Config config = ConfigFactory.empty();
        for (String key : reference.getConfig(ROOT).entrySet().stream().map(Map.Entry::getKey).toList()) {
            String name = ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
            String value = env.get(name);
            if (value != null) {
                config = config.withValue(ROOT + "." + key, ConfigValueFactory.fromAnyRef(value, "environment " + name));
            }
        }
        return config;
    }

    private static Config fromOverrides(List<String> overrides) {
        Config config = ConfigFactory.empty();
        for (String override : overrides) {
            int eq = override.indexOf('=');
            if (eq <= 0) {
                throw new InvalidConfigException("override \"" + override + "\" is not of the form key=value, e.g. grpc.port=7400");
            }
            String key = override.substring(0, eq).trim();
            if (key.startsWith(ROOT + ".")) {
                key = key.substring(ROOT.length() + 1);
            }
            config = config.withValue(ROOT + "." + key,
                    ConfigValueFactory.fromAnyRef(override.substring(eq + 1).trim(), "flag --" + key));
        }
        return config;
    }

    /** A key outside {@code tidegate { }} would be read by nothing: say so rather than ignore it. */
    private static void rejectKeysOutsideRoot(Config fromFile, Path file) {
        for (String key : fromFile.root().keySet()) {
            if (!key.equals(ROOT)) {
                throw new InvalidConfigException("config file " + file + ": key \"" + key + "\" is outside the "
                        + ROOT + " block; write it as " + ROOT + " { " + key + " ... } (or " + ROOT + "." + key + " = ...)");
            }
        }
    }

    private static void rejectUnknownKeys(Config merged, Config reference) {
        for (Map.Entry<String, ?> entry : merged.getConfig(ROOT).entrySet()) {
            if (entry.getKey().startsWith(CLIENT_OVERRIDES + ".") || entry.getKey().startsWith(ARBITRAGE_VENUES + ".")) {
                continue; // client and venue names are free; their keys are checked in clientLimits() / arbitrage()
            }
            if (SecuritySection.hasFreeKeys(entry.getKey())) {
                continue; // identity names are free; checked by SecuritySection
            }
            if (!reference.hasPath(ROOT + "." + entry.getKey())) {
                throw new InvalidConfigException("unknown config key \"" + entry.getKey()
                        + "\"; see gateway/src/main/resources/reference.conf for the keys there are");
            }
        }
    }

    private static GatewayConfig.Workers dispatchWorkers(Reader r) {
        var workers = new GatewayConfig.Workers(
                r.intIn("dispatch.workers.min", 1, 1024),
                r.intIn("dispatch.workers.max", 1, 1024),
                r.intIn("dispatch.workers.scale-up-depth", 1, 100_000_000),
                r.durationIn("dispatch.workers.scale-up-delay", Duration.ofMillis(1), Duration.ofMinutes(1)),
                r.durationIn("dispatch.workers.scale-up-after", Duration.ZERO, Duration.ofMinutes(1)),
                r.durationIn("dispatch.workers.scale-down-after", Duration.ofMillis(10), Duration.ofHours(1)),
                r.durationIn("dispatch.workers.sample-interval", Duration.ofMillis(1), Duration.ofSeconds(10)));
        if (workers.min() > workers.max()) {
            throw new InvalidConfigException("dispatch.workers.min (" + workers.min()
                    + ") must not exceed dispatch.workers.max (" + workers.max() + ")");
        }
        return workers;
    }

    /**
     * A message of the largest payload must fit a frame, and the transport limit must stay well
     * above the frame limit: frames between the two are refused by the gateway with the stream
     * kept, while the transport can only reset the stream of a frame beyond its own limit.
     */
    private static void checkFrameLimits(GatewayConfig.Limits limits, GatewayConfig.Grpc grpc) {
        long leastFrame = (long) limits.maxPayloadBytes() + GatewayConfig.Limits.MESSAGE_ENVELOPE_ALLOWANCE;
        if (limits.maxFrameBytes() < leastFrame) {
            throw new InvalidConfigException("limits.max-frame-bytes (" + limits.maxFrameBytes() + ") must be at least "
                    + "limits.max-payload-bytes + " + GatewayConfig.Limits.MESSAGE_ENVELOPE_ALLOWANCE + " (" + leastFrame
                    + "), so a message of the largest payload fits a frame with its topic, id, key and headers");
        }
        long leastInbound = 2L * limits.maxFrameBytes();
        if (grpc.maxInboundMessageBytes() < leastInbound) {
            throw new InvalidConfigException("grpc.max-inbound-message-bytes (" + grpc.maxInboundMessageBytes()
                    + ") must be at least twice limits.max-frame-bytes (" + leastInbound + "), so the gateway, not the "
                    + "transport, refuses frames over limits.max-frame-bytes and the client's stream survives");
        }
    }

    private static GatewayConfig build(Config c) {
        Reader r = new Reader(c);
        String gatewayId = r.string("gateway-id");
        if (gatewayId.isBlank()) {
            gatewayId = defaultGatewayId();
        } else if (!gatewayId.matches("[A-Za-z0-9_-]{1,64}")) {
            throw new InvalidConfigException("gateway-id \"" + gatewayId + "\" must be 1-64 letters, digits, '_' or '-'");
        }
        var security = SecuritySection.read(r);
        var grpc = new GatewayConfig.Grpc(
                SecuritySection.listenHost(r, "grpc.host", security.secure(), security),
                r.intIn("grpc.port", 0, 65535),
                r.durationIn("grpc.keepalive-time", Duration.ofSeconds(1), Duration.ofHours(2)),
                r.durationIn("grpc.keepalive-timeout", Duration.ofMillis(100), Duration.ofMinutes(10)),
                r.durationIn("grpc.permit-keepalive-time", Duration.ofMillis(100), Duration.ofHours(2)),
                r.intIn("grpc.max-inbound-message-bytes", 1024, Integer.MAX_VALUE));
        var http = SecuritySection.http(r, security);
        if (http.port() > 0 && http.port() == grpc.port()) {
            throw new InvalidConfigException("http.port (" + http.port() + ") must differ from grpc.port ("
                    + grpc.port() + "); give the admin port another number, 0 for a free one or -1 for none");
        }
        var limits = new GatewayConfig.Limits(
                r.intIn("limits.max-payload-bytes", 1, 64 * 1024 * 1024),
                r.intIn("limits.max-batch-messages", 1, 100_000),
                r.intIn("limits.max-subscriptions-per-stream", 1, 10_000),
                r.intIn("limits.max-topic-length", 8, 1024),
                r.intIn("limits.max-headers", 0, 1024),
                r.intIn("limits.default-credit", 1, 10_000_000),
                r.intIn("limits.max-credit", 1, 100_000_000),
                r.intIn("limits.max-frame-bytes", 1024, 1 << 30));
        if (limits.defaultCredit() > limits.maxCredit()) {
            throw new InvalidConfigException("limits.default-credit (" + limits.defaultCredit()
                    + ") must not exceed limits.max-credit (" + limits.maxCredit() + ")");
        }
        checkFrameLimits(limits, grpc);
        var dispatch = new GatewayConfig.Dispatch(
                r.intIn("dispatch.ingress-queue-capacity", 1, 100_000_000),
                r.intIn("dispatch.max-batch", 1, 100_000),
                dispatchWorkers(r),
                DispatchScheduling.read(r::string, r::durationIn, r::doubleIn, r::intIn, r::stringList),
                r.bool("dispatch.critical-handoff"));
        if (limits.maxBatchMessages() > dispatch.ingressQueueCapacity()) {
            // a batch is queued all or none, so a larger one could never be queued
            throw new InvalidConfigException("limits.max-batch-messages (" + limits.maxBatchMessages()
                    + ") must not exceed dispatch.ingress-queue-capacity (" + dispatch.ingressQueueCapacity() + ")");
        }
        var delivery = new GatewayConfig.Delivery(
                r.durationIn("delivery.default-ack-deadline", Duration.ofMillis(10), Duration.ofHours(12)),
                r.durationIn("delivery.max-ack-deadline", Duration.ofMillis(10), Duration.ofHours(12)),
                r.intIn("delivery.max-deliveries", 1, 1000),
                r.longIn("delivery.outbound-bytes-per-subscription", 64 * 1024, 1L << 40),
                outboundBytes(r.longIn("delivery.outbound-bytes", 0, 1L << 40)),
                r.intIn("delivery.read-ahead-messages", 1, 100_000),
                new GatewayConfig.Balancing(balancerKind(r.string("delivery.balancer")),
                        r.intIn("delivery.balancer-max-members", 1, 65_536)));
        if (delivery.defaultAckDeadline().compareTo(delivery.maxAckDeadline()) > 0) {
            throw new InvalidConfigException("delivery.default-ack-deadline must not exceed delivery.max-ack-deadline");
        }
        if (delivery.outboundBytesPerSubscription() > delivery.outboundBytes()) {
            throw new InvalidConfigException("delivery.outbound-bytes-per-subscription (" + delivery.outboundBytesPerSubscription()
                    + ") must not exceed delivery.outbound-bytes (" + delivery.outboundBytes()
                    + (r.longIn("delivery.outbound-bytes", 0, 1L << 40) == 0 ? ", a quarter of the max heap" : "")
                    + "); lower it or raise delivery.outbound-bytes (or -Xmx)");
        }
        var retention = new GatewayConfig.Retention(
                r.longIn("retention.max-length", 1, Long.MAX_VALUE),
                r.durationIn("retention.max-age", Duration.ZERO, Duration.ofDays(3650)));
        var redis = RedisSection.read(r);
        var backend = new GatewayConfig.BackendChoice(backendType(r.string("backend.type"), redis), redis);
        var resilience = resilience(r);
        if (backend.type() == GatewayConfig.BackendType.REDIS && resilience.enabled()) {
            checkSpoolDir(resilience.spool().dir());
        }
        return new GatewayConfig(gatewayId, grpc, http, limits, dispatch, delivery,
                r.durationIn("dedup-window", Duration.ZERO, Duration.ofDays(7)), retention, backend,
                resilience,
                r.durationIn("shutdown.drain-timeout", Duration.ZERO, Duration.ofMinutes(10)),
                otel(r), arbitrage(r), security, intelligence(r), risk(r), OpsSection.read(r), console(r),
                remediation(r),
                tuning(r));
    }

    private static GatewayConfig.Arbitrage arbitrage(Reader r) {
        var defaults = arbitrageVenue(r, ARBITRAGE + ".default", null);
        Map<String, GatewayConfig.ArbitrageVenue> venues = new LinkedHashMap<>();
        ConfigObject named;
        try {
            named = r.c().getObject(ARBITRAGE_VENUES);
        } catch (ConfigException e) {
            throw new InvalidConfigException(ARBITRAGE_VENUES + " must be an object of venue names, e.g. "
                    + ARBITRAGE_VENUES + " { BINANCE { taker-fee-bps = 10 } }");
        }
        for (Map.Entry<String, ConfigValue> venue : named.entrySet()) {
            String prefix = ConfigUtil.joinPath("intelligence", "arbitrage", "venues", venue.getKey());
            if (venue.getValue().valueType() != ConfigValueType.OBJECT
                    || !ARBITRAGE_VENUE_KEYS.containsAll(((ConfigObject) venue.getValue()).keySet())) {
                throw new InvalidConfigException(prefix + " must be an object with some of taker-fee-bps, min-size, "
                        + "segment, e.g. " + prefix + " { taker-fee-bps = 10, min-size = 0.0001 }");
            }
            venues.put(venue.getKey().toUpperCase(Locale.ROOT), arbitrageVenue(r, prefix, defaults));
        }
        var arbitrage = new GatewayConfig.Arbitrage(
                r.bool(ARBITRAGE + ".enabled"),
                r.doubleIn(ARBITRAGE + ".threshold-bps", 0, 10_000),
                r.durationIn(ARBITRAGE + ".stale-after", Duration.ofMillis(1), Duration.ofHours(1)),
                r.intIn(ARBITRAGE + ".max-instruments", 1, 1_000_000),
                r.intIn(ARBITRAGE + ".max-venues", 2, 256),
                r.intIn(ARBITRAGE + ".max-symbols", 1, 10_000_000),
                r.doubleIn(ARBITRAGE + ".update-edge-bps", 0.001, 10_000),
                r.doubleIn(ARBITRAGE + ".update-size-fraction", 0.001, 1_000),
                r.doubleIn(ARBITRAGE + ".min-confidence", 0, 1),
                defaults, venues);
        if (venues.size() > arbitrage.maxVenues()) {
            throw new InvalidConfigException(ARBITRAGE_VENUES + " names " + venues.size() + " venues, more than "
                    + ARBITRAGE + ".max-venues (" + arbitrage.maxVenues() + ")");
        }
        return arbitrage;
    }

    /** One venue's terms; keys it leaves out come from {@code fallback} (the defaults). */
    private static GatewayConfig.ArbitrageVenue arbitrageVenue(Reader r, String prefix, GatewayConfig.ArbitrageVenue fallback) {
        double fee = fallback == null || r.c().hasPath(prefix + ".taker-fee-bps")
                ? r.doubleIn(prefix + ".taker-fee-bps", 0, 1_000) : fallback.takerFeeBps();
        double minSize = fallback == null || r.c().hasPath(prefix + ".min-size")
                ? r.doubleIn(prefix + ".min-size", 0, 1e12) : fallback.minSize();
        String segment = fallback == null || r.c().hasPath(prefix + ".segment")
                ? r.string(prefix + ".segment").trim().toLowerCase(Locale.ROOT) : fallback.segment();
        if (!SEGMENTS.contains(segment)) {
            throw new InvalidConfigException(prefix + ".segment \"" + segment
                    + "\" is not one of spot, linear, inverse, quanto, option");
        }
        return new GatewayConfig.ArbitrageVenue(fee, minSize, segment);
    }

    /** 0 stands for a quarter of the max heap: room for the retained entries and everything else. */
    private static long outboundBytes(long configured) {
        return configured != 0 ? configured : Runtime.getRuntime().maxMemory() / 4;
    }

    private static GatewayConfig.Risk risk(Reader r) {
        String file = r.string("risk.limits-file").trim();
        ConfigValue limits = r.c().getValue("risk.limits");
        if (limits.valueType() == ConfigValueType.STRING) {
            // from a flag or environment variable: the list as HOCON or JSON text
            try {
                limits = ConfigFactory.parseString("limits = " + limits.unwrapped()).getValue("limits");
            } catch (ConfigException e) {
                throw new InvalidConfigException("risk.limits cannot be parsed: " + e.getMessage());
            }
        }
        if (limits.valueType() != ConfigValueType.LIST) {
            throw new InvalidConfigException("risk.limits must be a list of limits, e.g. [ { strategy = \"strat-1\", "
                    + "instrument = \"BTCUSDT.BINANCE\", max-quantity = 10 } ]; see docs/risk.md");
        }
        if (!file.isEmpty() && !((com.typesafe.config.ConfigList) limits).isEmpty()) {
            throw new InvalidConfigException("risk.limits-file and risk.limits are both set; the file replaces "
                    + "the inline limits: keep one");
        }
        String role = r.string("risk.admin-role").trim();
        if (role.isEmpty()) {
            throw new InvalidConfigException("risk.admin-role must name a role, e.g. risk-admin");
        }
        return new GatewayConfig.Risk(r.bool("risk.enabled"), riskLimit(r, "risk.defaults"),
                limits.render(com.typesafe.config.ConfigRenderOptions.concise()), file,
                r.durationIn("risk.reload-interval", Duration.ofMillis(10), Duration.ofHours(1)),
                r.intIn("risk.max-instruments", 1, 10_000_000),
                r.intIn("risk.max-strategies", 1, 1_000_000),
                r.intIn("risk.max-tracked-orders", 1, 10_000_000),
                role,
                r.durationIn("risk.kill-poll-interval", Duration.ofMillis(1), Duration.ofSeconds(10)));
    }

    private static GatewayConfig.RiskLimit riskLimit(Reader r, String prefix) {
        return new GatewayConfig.RiskLimit(
                r.doubleIn(prefix + ".max-quantity", 0, 1e18),
                r.doubleIn(prefix + ".max-notional", 0, 1e18),
                r.doubleIn(prefix + ".collar-bps", 0, 1_000_000),
                r.doubleIn(prefix + ".orders-per-second", 0, 1_000_000),
                r.intIn(prefix + ".max-open-orders", 0, 10_000_000),
                r.doubleIn(prefix + ".max-position", 0, 1e18),
                r.durationIn(prefix + ".max-price-age", Duration.ZERO, Duration.ofDays(1)));
    }

    private static GatewayConfig.Tuning tuning(Reader r) {
        return new GatewayConfig.Tuning(
                r.bool("tuning.enabled"),
                r.bool("tuning.frozen"),
                r.durationIn("tuning.interval", Duration.ofMillis(10), Duration.ofHours(1)),
                r.intIn("tuning.window", 1, 1000),
                r.intIn("tuning.settle", 0, 1000),
                r.doubleIn("tuning.min-gain", 0, 1),
                r.doubleIn("tuning.significance", 1e-6, 0.5),
                r.intIn("tuning.max-rounds", 3, 5_000),
                r.durationIn("tuning.re-explore-after", Duration.ZERO, Duration.ofDays(7)),
                bounds(r, "tuning.max-batch", 100_000),
                bounds(r, "tuning.class-batch", 100_000),
                bounds(r, "tuning.read-count", 100_000),
                bounds(r, "tuning.read-ahead", 100_000));
    }

    private static GatewayConfig.Bounds bounds(Reader r, String prefix, int most) {
        var bounds = new GatewayConfig.Bounds(r.intIn(prefix + ".min", 1, most), r.intIn(prefix + ".max", 1, most));
        if (bounds.min() > bounds.max()) {
            throw new InvalidConfigException(prefix + ".min (" + bounds.min() + ") must not exceed " + prefix + ".max ("
                    + bounds.max() + ")");
        }
        return bounds;
    }

    private static GatewayConfig.Console console(Reader r) {
        return new GatewayConfig.Console(
                r.bool("console.enabled"),
                r.intIn("console.max-topics", 1, 100_000),
                r.intIn("console.max-clients", 1, 1_000),
                r.durationIn("console.push-interval", Duration.ofMillis(100), Duration.ofMinutes(1)),
                r.durationIn("console.stall-limit", Duration.ofMillis(100), Duration.ofMinutes(10)),
                r.durationIn("console.announce-interval", Duration.ofMillis(100), Duration.ofMinutes(10)));
    }

    private static GatewayConfig.Remediation remediation(Reader r) {
        GatewayConfig.Shedding shedding = new GatewayConfig.Shedding(
                r.bool("remediation.shed-at-spool.enabled"),
                r.doubleIn("remediation.shed-at-spool.bulk-above", 0, 1),
                r.doubleIn("remediation.shed-at-spool.low-above", 0, 1),
                r.doubleIn("remediation.shed-at-spool.resume-below", 0, 1));
        if (!(shedding.resumeBelow() < shedding.bulkAbove() && shedding.bulkAbove() <= shedding.lowAbove())) {
            throw new InvalidConfigException("remediation.shed-at-spool: resume-below < bulk-above <= low-above is "
                    + "needed; got " + shedding.resumeBelow() + ", " + shedding.bulkAbove() + ", " + shedding.lowAbove());
        }
        return new GatewayConfig.Remediation(
                r.bool("remediation.enabled"),
                r.durationIn("remediation.check-interval", Duration.ofMillis(50), Duration.ofMinutes(10)),
                r.intIn("remediation.max-actions", 1, 1_000_000),
                r.durationIn("remediation.per", Duration.ofSeconds(1), Duration.ofDays(1)),
                r.intIn("remediation.recent", 1, 1_000),
                new GatewayConfig.Action(r.bool("remediation.restart-reader.enabled"),
                        r.durationIn("remediation.restart-reader.stall-after", Duration.ofMillis(100), Duration.ofDays(1))),
                shedding,
                new GatewayConfig.Action(r.bool("remediation.close-idle-subscriber.enabled"),
                        r.durationIn("remediation.close-idle-subscriber.idle-after", Duration.ofMillis(100),
                                Duration.ofDays(1))),
                r.durationIn("remediation.report-after", Duration.ofMillis(100), Duration.ofDays(1)));
    }

    private static GatewayConfig.Intelligence intelligence(Reader r) {
        return new GatewayConfig.Intelligence(
                r.intIn("intelligence.tap-queue-capacity", 1, 10_000_000),
                new GatewayConfig.Regimes(
                        r.bool("intelligence.regime.enabled"),
                        r.intIn("intelligence.regime.max-instruments", 1, 10_000_000),
                        r.intIn("intelligence.regime.watch-buffer", 1, 1_000_000)),
                new GatewayConfig.Instruments(r.intIn("intelligence.instruments.max-listings", 1, 10_000_000),
                        new GatewayConfig.CoMovement(
                                r.bool("intelligence.instruments.co-movement.enabled"),
                                r.doubleIn("intelligence.instruments.co-movement.max-bps", 0.01, 1000),
                                r.intIn("intelligence.instruments.co-movement.min-samples", 1, 1_000_000),
                                r.durationIn("intelligence.instruments.co-movement.min-duration", Duration.ZERO,
                                        Duration.ofDays(7)),
                                r.durationIn("intelligence.instruments.co-movement.max-skew", Duration.ZERO,
                                        Duration.ofHours(1)),
                                r.intIn("intelligence.instruments.co-movement.max-symbols", 2, 10_000_000),
                                r.intIn("intelligence.instruments.co-movement.max-pairs", 1, 10_000_000),
                                r.intIn("intelligence.instruments.co-movement.max-pending", 1, 10_000_000))),
                new GatewayConfig.Books(
                        r.bool("intelligence.books.enabled"),
                        r.intIn("intelligence.books.max-books", 1, 1_000_000),
                        r.intIn("intelligence.books.max-depth", 1, 10_000)));
    }

    private static GatewayConfig.Otel otel(Reader r) {
        String protocolName = r.string("otel.protocol");
        OtelSettings.Protocol protocol = OtelSettings.Protocol.parse(protocolName);
        if (protocol == null) {
            throw new InvalidConfigException("otel.protocol \"" + protocolName + "\" is not one of grpc, http/protobuf");
        }
        String endpoint = r.string("otel.endpoint");
        if (!endpoint.matches("https?://[^/\\s]+(/\\S*)?")) {
            throw new InvalidConfigException("otel.endpoint \"" + endpoint
                    + "\" must be an http(s) URL, e.g. http://127.0.0.1:4317 (grpc) or http://127.0.0.1:4318 (http/protobuf)");
        }
        String serviceName = r.string("otel.service-name");
        if (serviceName.isBlank()) {
            throw new InvalidConfigException("otel.service-name is empty; e.g. tidegate-gateway");
        }
        String format = r.string("otel.log-format");
        GatewayConfig.LogFormat logFormat;
        try {
            logFormat = GatewayConfig.LogFormat.valueOf(format.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigException("otel.log-format \"" + format + "\" is not one of text, json");
        }
        return new GatewayConfig.Otel(
                r.bool("otel.enabled"),
                endpoint,
                protocol,
                r.doubleIn("otel.sampling-ratio", 0.0, 1.0),
                serviceName,
                r.bool("otel.metrics.enabled"),
                r.durationIn("otel.metrics.export-interval", Duration.ofMillis(100), Duration.ofHours(1)),
                r.durationIn("otel.metrics.consumer-lag-interval", Duration.ofMillis(100), Duration.ofHours(1)),
                logFormat);
    }

    private static GatewayConfig.Resilience resilience(Reader r) {
        var retry = new GatewayConfig.Retry(
                r.intIn("resilience.retry.max-attempts", 1, 100),
                r.durationIn("resilience.retry.initial-backoff", Duration.ofMillis(1), Duration.ofMinutes(1)),
                r.doubleIn("resilience.retry.multiplier", 1.0, 10.0),
                r.doubleIn("resilience.retry.jitter", 0.0, 1.0));
        var breaker = new GatewayConfig.Breaker(
                r.intIn("resilience.breaker.failure-rate-threshold", 1, 100),
                r.intIn("resilience.breaker.sliding-window-size", 1, 10_000),
                r.intIn("resilience.breaker.minimum-calls", 1, 10_000),
                r.durationIn("resilience.breaker.open-wait", Duration.ofMillis(10), Duration.ofMinutes(10)),
                r.intIn("resilience.breaker.half-open-calls", 1, 1000));
        String fsync = r.string("resilience.spool.fsync");
        GatewayConfig.FsyncPolicy policy;
        try {
            policy = GatewayConfig.FsyncPolicy.valueOf(fsync.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigException("resilience.spool.fsync \"" + fsync + "\" is not one of always, interval, never");
        }
        var spool = new GatewayConfig.Spool(
                r.string("resilience.spool.dir"),
                r.longIn("resilience.spool.max-bytes", 1024 * 1024, Long.MAX_VALUE),
                r.longIn("resilience.spool.segment-bytes", 64 * 1024, 1024L * 1024 * 1024),
                policy,
                r.durationIn("resilience.spool.fsync-interval", Duration.ofMillis(1), Duration.ofSeconds(10)));
        if (spool.dir().isBlank()) {
            throw new InvalidConfigException("resilience.spool.dir is empty; set a directory, e.g. /var/lib/tidegate/spool");
        }
        try {
            Path.of(spool.dir());
        } catch (InvalidPathException e) {
            throw new InvalidConfigException("resilience.spool.dir \"" + spool.dir() + "\" is not a valid path: " + e.getReason());
        }
        if (spool.segmentBytes() > spool.maxBytes()) {
            throw new InvalidConfigException("resilience.spool.segment-bytes (" + spool.segmentBytes()
                    + ") must not exceed resilience.spool.max-bytes (" + spool.maxBytes() + ")");
        }
        return new GatewayConfig.Resilience(
                r.bool("resilience.enabled"),
                r.durationIn("resilience.call-timeout", Duration.ofMillis(10), Duration.ofMinutes(5)),
                retry, breaker, spool, clientLimits(r));
    }

    private static GatewayConfig.ClientLimits clientLimits(Reader r) {
        String defaultsPrefix = CLIENT_LIMITS + ".default";
        var defaults = clientLimit(r, defaultsPrefix, null);
        Map<String, GatewayConfig.ClientLimit> clients = new LinkedHashMap<>();
        ConfigObject overrides;
        try {
            overrides = r.c().getObject(CLIENT_OVERRIDES);
        } catch (ConfigException e) {
            throw new InvalidConfigException(CLIENT_OVERRIDES + " must be an object of client names, e.g. "
                    + CLIENT_OVERRIDES + " { \"ingest\" { publish-rate = 1000 } }");
        }
        for (Map.Entry<String, ConfigValue> client : overrides.entrySet()) {
            String name = client.getKey();
            String prefix = ConfigUtil.joinPath("resilience", "client-limits", "clients", name);
            if (client.getValue().valueType() != ConfigValueType.OBJECT) {
                throw new InvalidConfigException(prefix + " must be an object with some of " + keyList()
                        + ", e.g. " + prefix + " { publish-rate = 1000 }");
            }
            if (name.length() > 128) {
                throw new InvalidConfigException(prefix + ": a client name is at most 128 characters");
            }
            for (String key : ((ConfigObject) client.getValue()).keySet()) {
                if (!CLIENT_LIMIT_KEYS.contains(key)) {
                    throw new InvalidConfigException("unknown config key \"" + prefix + "." + key
                            + "\"; a client may set " + keyList());
                }
            }
            clients.put(name, clientLimit(r, prefix, defaults));
        }
        return new GatewayConfig.ClientLimits(defaults, clients);
    }

    /** One limits block; keys it leaves out come from {@code fallback} (the defaults). */
    private static GatewayConfig.ClientLimit clientLimit(Reader r, String prefix, GatewayConfig.ClientLimit fallback) {
        boolean hasRate = fallback == null || r.c().hasPath(prefix + ".publish-rate");
        int rate = hasRate ? r.intIn(prefix + ".publish-rate", 0, 10_000_000) : fallback.publishRate();
        int burst;
        String burstKey = prefix + ".publish-burst";
        if (fallback == null || r.c().hasPath(burstKey)) {
            burst = r.intIn(burstKey, 0, 10_000_000);
        } else {
            // an override that changes only the rate gets one second's worth, like the default
            burst = hasRate ? 0 : fallback.publishBurst();
        }
        if (burst == 0) {
            burst = Math.max(rate, 1); // one second's worth
        }
        if (rate > 0 && (long) burst * 1_000_000_000L / rate > Duration.ofHours(1).toNanos()) {
            throw new InvalidConfigException(burstKey + " (" + burst + ") must be at most an hour's worth of "
                    + prefix + ".publish-rate (" + rate + ")");
        }
        int maxInFlight = fallback == null || r.c().hasPath(prefix + ".max-in-flight")
                ? r.intIn(prefix + ".max-in-flight", 1, 10_000_000) : fallback.maxInFlight();
        return new GatewayConfig.ClientLimit(rate, burst, maxInFlight, prefix);
    }

    private static String keyList() {
        return "publish-rate, publish-burst, max-in-flight";
    }

    private static GatewayConfig.BackendType backendType(String type, GatewayConfig.Redis redis) {
        switch (type.toLowerCase(Locale.ROOT)) {
            case "memory":
                return GatewayConfig.BackendType.MEMORY;
            case "redis":
                if (!redis.isConfigured()) {
                    throw new InvalidConfigException("backend.type is redis but neither backend.redis.uri nor "
                            + "backend.redis.cluster-nodes is set; set one, e.g. backend.redis.uri=redis://127.0.0.1:6379");
                }
                return GatewayConfig.BackendType.REDIS;
            case "auto":
                return redis.isConfigured() ? GatewayConfig.BackendType.REDIS : GatewayConfig.BackendType.MEMORY;
            default:
                throw new InvalidConfigException("backend.type \"" + type + "\" is not one of memory, redis, auto");
        }
    }

    private static BalancerKind balancerKind(String value) {
        try {
            return BalancerKind.parse(value);
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigException(e.getMessage());
        }
    }

    /** The spool is created at start; a path that can never be a directory is a mistake now. */
    private static void checkSpoolDir(String dir) {
        Path path = Path.of(dir);
        for (Path p = path.toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.exists(p) && !Files.isDirectory(p)) {
                throw new InvalidConfigException("resilience.spool.dir \"" + dir + "\" cannot be a directory: "
                        + p + " is a file; set a directory path, e.g. /var/lib/tidegate/spool");
            }
            if (Files.isDirectory(p)) {
                return;
            }
        }
    }

    private static String defaultGatewayId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9_-]", "-");
        } catch (Exception e) {
            host = "gateway";
        }
        String id = host + "-" + ManagementFactory.getRuntimeMXBean().getPid();
        return id.length() <= 64 ? id : id.substring(id.length() - 64);
    }

    /** Typed reads that turn Typesafe errors into messages naming the key and range. */
    record Reader(Config c) {

        String string(String key) {
            try {
                return c.getString(key);
            } catch (ConfigException.Missing e) {
                throw new InvalidConfigException(key + " is missing (was its section set to a plain value?); "
                        + "reference.conf lists every key with its default");
            } catch (ConfigException e) {
                throw new InvalidConfigException(key + " must be a string, got " + got(key));
            }
        }

        /** A listen address: a host name or an IP address; 0.0.0.0 for every interface. */
        String host(String key) {
            String v = string(key).trim();
            if (!v.matches("[A-Za-z0-9._-]+|\\[?[0-9A-Fa-f:.]+(%[A-Za-z0-9._-]+)?]?")) {
                throw new InvalidConfigException(key + " \"" + v + "\" must be a host name or IP address to listen on, "
                        + "e.g. 0.0.0.0 (every interface) or 127.0.0.1");
            }
            return v;
        }

        /** The raw value as written, for messages; never throws. */
        private String got(String key) {
            try {
                return c.hasPath(key) ? "\"" + c.getValue(key).unwrapped() + "\"" : "nothing (the key is missing)";
            } catch (ConfigException e) {
                return "a section instead of a value";
            }
        }

        java.util.List<String> stringList(String key) {
            try {
                return c.getStringList(key);
            } catch (ConfigException.WrongType e) {
                // from an environment variable or a flag: one string, entries separated by ';'
                String v = string(key).trim();
                return v.isEmpty() ? List.of() : List.of(v.split("\\s*;\\s*"));
            } catch (ConfigException e) {
                throw new InvalidConfigException(key + " must be a list of strings, got " + got(key));
            }
        }

        boolean bool(String key) {
            try {
                return c.getBoolean(key);
            } catch (ConfigException e) {
                throw new InvalidConfigException(key + " must be true or false, got " + got(key));
            }
        }

        double doubleIn(String key, double min, double max) {
            double v;
            try {
                v = c.getDouble(key);
            } catch (ConfigException e) {
                throw new InvalidConfigException(key + " must be a number from " + min + " to " + max
                        + ", got " + got(key));
            }
            if (!(v >= min && v <= max)) {
                throw new InvalidConfigException(key + " must be from " + min + " to " + max + ", got " + v);
            }
            return v;
        }

        int intIn(String key, int min, int max) {
            long v = longIn(key, min, max);
            return (int) v;
        }

        long longIn(String key, long min, long max) {
            long v;
            try {
                v = c.getLong(key);
            } catch (ConfigException e) {
                throw new InvalidConfigException(key + " must be a whole number from " + min + " to " + max
                        + ", got " + got(key));
            }
            if (v < min || v > max) {
                throw new InvalidConfigException(key + " must be from " + min + " to " + max + ", got " + v);
            }
            return v;
        }

        Duration durationIn(String key, Duration min, Duration max) {
            Duration v;
            try {
                v = c.getDuration(key);
            } catch (ConfigException e) {
                throw new InvalidConfigException(key + " must be a duration such as 500ms, 30s or 5m, from "
                        + min + " to " + max + ", got " + got(key));
            }
            if (v.compareTo(min) < 0 || v.compareTo(max) > 0) {
                throw new InvalidConfigException(key + " must be from " + human(min) + " to " + human(max)
                        + ", got " + human(v));
            }
            return v;
        }

        private static String human(Duration d) {
            return d.toString().substring(2).toLowerCase(Locale.ROOT);
        }
    }

    /** Splits command-line arguments into a config file path and key=value overrides. */
    public static GatewayConfig fromArgs(String[] args, Map<String, String> env) {
        Path file = null;
        List<String> overrides = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--config") || a.equals("-c")) {
                if (i + 1 >= args.length) {
                    throw new InvalidConfigException("--config needs a file path");
                }
                file = Path.of(args[++i]);
            } else if (a.startsWith("--config=")) {
                file = Path.of(a.substring("--config=".length()));
            } else if (a.startsWith("--") && a.contains("=")) {
                overrides.add(a.substring(2));
            } else {
                throw new InvalidConfigException("unknown argument \"" + a
                        + "\"; use --config <file> and --<key>=<value>, e.g. --grpc.port=7400");
            }
        }
        if (file == null && env.containsKey("TIDEGATE_CONFIG")) {
            file = Path.of(env.get("TIDEGATE_CONFIG"));
        }
        return load(file, env, overrides);
    }
}
