package io.tidegate.gateway.server;

import io.grpc.Status;
import io.tidegate.gateway.backend.EntryId;
import io.tidegate.gateway.backend.StartAt;
import io.tidegate.gateway.backend.SubscriptionSpec;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.market.InstrumentDirectory;
import io.tidegate.gateway.routing.InvalidTopicException;
import io.tidegate.gateway.routing.TopicName;
import io.tidegate.gateway.routing.TopicPattern;
import io.tidegate.proto.v1.Position;
import io.tidegate.proto.v1.StartPosition;
import io.tidegate.proto.v1.Subscribe;
import io.tidegate.proto.v1.SubscriptionMode;
import io.tidegate.intelligence.instrument.InstrumentKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Turns a Subscribe frame into {@link SubscriptionOptions}, refusing anything malformed with a
 * message that names the field and what to fix. Stateless apart from its configuration;
 * thread-safe.
 */
final class SubscribeParser {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.:-]{1,128}");

    private static final int MAX_INSTRUMENTS = 64;
    private static final Set<String> DATA_KINDS = Set.of("quotes", "trades", "books");

    private final GatewayConfig.Limits limits;
    private final GatewayConfig.Delivery delivery;
    private final InstrumentDirectory instruments;

    SubscribeParser(GatewayConfig.Limits limits, GatewayConfig.Delivery delivery) {
        this(limits, delivery, InstrumentDirectory.none());
    }

    SubscribeParser(GatewayConfig.Limits limits, GatewayConfig.Delivery delivery, InstrumentDirectory instruments) {
        this.limits = limits;
        this.delivery = delivery;
        this.instruments = instruments;
    }

    SubscriptionOptions parse(Subscribe s, String consumerPrefix) throws FrameRejectedException {
        String id = s.getSubscriptionId();
        if (!NAME.matcher(id).matches()) {
            throw FrameRejectedException.invalid("subscription_id \"" + id
                    + "\" must be 1-128 letters, digits, '_', '.', ':' or '-'");
        }
        Set<String> keys = instruments(s);
        List<TopicPattern> patterns = keys.isEmpty() || s.getPatternsCount() > 0 ? patterns(s.getPatternsList()) : List.of();
        boolean group = mode(s) == SubscriptionMode.SUBSCRIPTION_MODE_GROUP;
        if (group && !keys.isEmpty()) {
            throw FrameRejectedException.invalid("instruments are for BROADCAST subscriptions; subscribe with mode "
                    + "BROADCAST, or name the topics in patterns for a GROUP");
        }
        if (group && !NAME.matcher(s.getGroup()).matches()) {
            throw FrameRejectedException.invalid(s.getGroup().isEmpty()
                    ? "GROUP subscriptions need a group name"
                    : "group \"" + s.getGroup() + "\" must be 1-128 letters, digits, '_', '.', ':' or '-'");
        }
        if (!group && !s.getGroup().isEmpty()) {
            throw FrameRejectedException.invalid("group \"" + s.getGroup()
                    + "\" is set but mode is BROADCAST; set mode GROUP or leave group empty");
        }
        if (group && s.getConflate()) {
            throw FrameRejectedException.invalid("conflate is for BROADCAST subscriptions: a GROUP shares work that each"
                    + " needs processing and an ack, so dropping superseded messages would lose work; subscribe"
                    + " with mode BROADCAST to conflate, or leave conflate unset");
        }
        int credit = s.getInitialCredit();
        if (credit < 0 || credit > limits.maxCredit()) {
            throw FrameRejectedException.invalid("initial_credit " + credit + " must be from 0 (server default "
                    + limits.defaultCredit() + ") to " + limits.maxCredit());
        }
        Duration deadline = delivery.defaultAckDeadline();
        if (s.getAckDeadlineMs() != 0) {
            deadline = Duration.ofMillis(Integer.toUnsignedLong(s.getAckDeadlineMs()));
            if (deadline.compareTo(delivery.maxAckDeadline()) > 0) {
                throw FrameRejectedException.invalid("ack_deadline_ms " + deadline.toMillis() + " exceeds the limit of "
                        + delivery.maxAckDeadline().toMillis() + " ms");
            }
        }
        String groupName = group ? s.getGroup() : null;
        String consumer = group ? consumerPrefix + "-" + id : null;
        List<TopicPattern> read = patterns;
        Predicate<String> filter = null;
        if (!keys.isEmpty()) {
            read = new ArrayList<>(patterns);
            String prefix = "data." + s.getDataKind().toLowerCase(Locale.ROOT) + ".";
            read.add(TopicPattern.compile(prefix + "*.*", limits.maxTopicLength()));
            filter = byInstrument(patterns, prefix, keys);
        }
        var spec = new SubscriptionSpec(consumerPrefix + "/" + id, read, groupName, consumer, start(s.getStart()),
                deadline, group && s.getStrictKeyOrder(), filter);
        return new SubscriptionOptions(id, spec, credit == 0 ? limits.defaultCredit() : credit, s.getConflate(), keys);
    }

    /** The canonical keys named (in their canonical spelling); empty when none. */
    private static Set<String> instruments(Subscribe s) throws FrameRejectedException {
        if (s.getInstrumentsCount() == 0) {
            if (!s.getDataKind().isEmpty()) {
                throw FrameRejectedException.invalid("data_kind is set but instruments is empty; name canonical "
                        + "instruments, e.g. BTC/USDT:USDT, or leave data_kind unset");
            }
            return Set.of();
        }
        if (s.getInstrumentsCount() > MAX_INSTRUMENTS) {
            throw FrameRejectedException.invalid(s.getInstrumentsCount() + " instruments; at most " + MAX_INSTRUMENTS
                    + " per subscription");
        }
        if (!DATA_KINDS.contains(s.getDataKind().toLowerCase(Locale.ROOT))) {
            throw FrameRejectedException.invalid("data_kind \"" + abbreviate(s.getDataKind())
                    + "\" must be quotes, trades or books when instruments are named");
        }
        Set<String> keys = new LinkedHashSet<>();
        for (String text : s.getInstrumentsList()) {
            String upper = text.length() > 128 ? "" : text.trim().toUpperCase(Locale.ROOT);
            InstrumentKey key = InstrumentKey.parse(upper).orElseThrow(() -> FrameRejectedException.invalid(
                    "instrument \"" + abbreviate(text) + "\" is not a canonical key; use the ccxt form: BTC/USDT (spot), "
                            + "BTC/USDT:USDT (perpetual), BTC/USD:BTC-250328 (future)"));
            keys.add(key.toString());
        }
        return keys;
    }

    /** Admits the topics the client's own patterns match, and data.<kind>.<VENUE>.<id> of a listed instrument. */
    private Predicate<String> byInstrument(List<TopicPattern> own, String prefix, Set<String> keys) {
        Set<String> copy = Set.copyOf(keys);
        return topic -> {
            for (TopicPattern p : own) {
                if (p.matches(topic)) {
                    return true;
                }
            }
            if (!topic.startsWith(prefix)) {
                return false;
            }
            int dot = topic.indexOf('.', prefix.length());
            return dot > prefix.length() && instruments.lists(topic.substring(prefix.length(), dot),
                    topic.substring(dot + 1), copy);
        };
    }

    private static String abbreviate(String text) {
        return text.length() <= 64 ? text : text.substring(0, 64) + "...";
    }

    private List<TopicPattern> patterns(List<String> texts) throws FrameRejectedException {
        if (texts.isEmpty()) {
            throw FrameRejectedException.invalid("patterns is empty; give at least one, e.g. data.quotes.>");
        }
        if (texts.size() > 64) {
            throw FrameRejectedException.invalid(texts.size() + " patterns; at most 64 per subscription");
        }
        List<TopicPattern> patterns = new ArrayList<>(texts.size());
        for (String text : texts) {
            try {
                patterns.add(TopicPattern.compile(text, limits.maxTopicLength()));
            } catch (InvalidTopicException e) {
                throw FrameRejectedException.invalid(e.getMessage());
            }
        }
        return patterns;
    }

    private static SubscriptionMode mode(Subscribe s) throws FrameRejectedException {
        return switch (s.getMode()) {
            case SUBSCRIPTION_MODE_UNSPECIFIED, SUBSCRIPTION_MODE_BROADCAST -> SubscriptionMode.SUBSCRIPTION_MODE_BROADCAST;
            case SUBSCRIPTION_MODE_GROUP -> SubscriptionMode.SUBSCRIPTION_MODE_GROUP;
            default -> throw FrameRejectedException.invalid("mode " + s.getModeValue()
                    + " is unknown; use SUBSCRIPTION_MODE_BROADCAST(1) or SUBSCRIPTION_MODE_GROUP(2)");
        };
    }

    private StartAt start(StartPosition p) throws FrameRejectedException {
        return switch (p.getKind()) {
            case KIND_UNSPECIFIED, KIND_LATEST -> StartAt.LATEST;
            case KIND_EARLIEST -> StartAt.EARLIEST;
            case KIND_TIMESTAMP -> {
                if (p.getTimestampNanos() <= 0) {
                    throw FrameRejectedException.invalid("start kind KIND_TIMESTAMP needs timestamp_nanos > 0 (Unix nanoseconds)");
                }
                yield StartAt.timestamp(p.getTimestampNanos());
            }
            case KIND_POSITION -> {
                if (p.getTimestampNanos() < 0) {
                    throw FrameRejectedException.invalid("start.timestamp_nanos must not be negative");
                }
                Map<String, EntryId> after = new HashMap<>();
                for (int i = 0; i < p.getAfterCount(); i++) {
                    Position pos = p.getAfter(i);
                    try {
                        TopicName.validate(pos.getTopic(), limits.maxTopicLength());
                        after.put(pos.getTopic(), EntryId.parse(pos.getEntryId()));
                    } catch (IllegalArgumentException e) {
                        throw FrameRejectedException.invalid("start.after[" + i + "]: " + e.getMessage());
                    }
                }
                yield StartAt.after(after, p.getTimestampNanos());
            }
            default -> throw new FrameRejectedException(Status.Code.INVALID_ARGUMENT, "start kind "
                    + p.getKindValue() + " is unknown; use KIND_LATEST(1), KIND_EARLIEST(2), KIND_POSITION(3) or KIND_TIMESTAMP(4)");
        };
    }
}
