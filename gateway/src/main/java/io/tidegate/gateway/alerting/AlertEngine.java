package io.tidegate.gateway.alerting;

import com.google.gson.Gson;
import com.google.gson.reflect.TypeToken;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.config.GatewayConfig.AlertRule;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The alert lifecycle: a series whose condition holds becomes a pending alert (one per rule and
 * labels: its fingerprint), firing once it held for the rule's {@code for}, resolved once it has
 * not held for the rule's {@code resolve-after} without a break (a condition flapping at its
 * threshold stays one firing alert, notified once). A firing alert nobody acknowledged is escalated to the next level of its route
 * after {@code escalate-after} and sent again to its level every {@code repeat-interval};
 * silenced alerts are kept and listed but nothing is sent about them. Only the lease holder
 * steps it; its state moves to the next holder through {@link #save()} / {@link #restore}.
 *
 * <p>Threading: the alert thread only.
 */
public final class AlertEngine {

    private static final Logger log = LoggerFactory.getLogger(AlertEngine.class);
    private static final Gson GSON = new Gson();
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([A-Za-z0-9_]+)\\s*}}");

    private final Map<String, AlertRule> rules = new LinkedHashMap<>();
    private final GatewayConfig.Alerts config;
    private final Map<String, AlertRecord> alerts = new LinkedHashMap<>();
    private boolean overfullLogged;

    /**
     * What one evaluation asks for: the notices per channel name and the alerts that ended
     * (resolved or forgotten), whose acknowledgements are dropped.
     */
    public record Step(Map<String, List<AlertNotice>> notices, Set<String> ended) {
    }

    public AlertEngine(GatewayConfig.Alerts config, List<AlertRule> rules) {
        this.config = config;
        rules.forEach(r -> this.rules.put(r.name(), r));
    }

    /** Moves every alert on by one evaluation at {@code now}, given what holds on every replica. */
    public Step step(long now, List<Observation> observations, Map<String, Ack> acks, List<Silence> silences) {
        Map<String, List<AlertNotice>> notices = new LinkedHashMap<>();
        Set<String> ended = new LinkedHashSet<>();
        Set<String> seen = new LinkedHashSet<>();
        for (Observation o : observations) {
            AlertRule rule = rules.get(o.rule());
            if (rule != null) {
                AlertRecord a = track(rule, o, now, ended);
                if (a != null) {
                    seen.add(a.id);
                }
            }
        }
        for (Iterator<AlertRecord> it = alerts.values().iterator(); it.hasNext(); ) {
            AlertRecord a = it.next();
            AlertRule rule = rules.get(a.rule);
            boolean silenced = silences.stream().anyMatch(s -> s.mutes(a.labels, now));
            if (rule == null) {
                it.remove();
                ended.add(a.id);
            } else if (AlertRecord.RESOLVED.equals(a.state)) {
                if (now - a.resolvedAt >= config.resolvedRetention().toMillis()) {
                    it.remove();
                }
            } else if (!seen.contains(a.id)) {
                if (AlertRecord.PENDING.equals(a.state)) {
                    it.remove(); // never fired: nothing to resolve
                    ended.add(a.id);
                } else if (resolvedAfterQuiet(a, rule, now)) {
                    resolve(a, rule, now, silenced, notices);
                    ended.add(a.id);
                }
            } else {
                advance(a, rule, now, acks.containsKey(a.id), silenced, notices);
            }
        }
        return new Step(notices, ended);
    }

    private AlertRecord track(AlertRule rule, Observation o, long now, Set<String> ended) {
        Map<String, String> labels = new TreeMap<>(rule.labels());
        labels.putAll(o.labels());
        labels.put("alertname", rule.name());
        labels.put("severity", rule.severity().name().toLowerCase(Locale.ROOT));
        String id = fingerprint(labels);
        AlertRecord a = alerts.get(id);
        if (a == null || AlertRecord.RESOLVED.equals(a.state)) {
            if (a == null && !makeRoom()) {
                return null;
            }
            if (a != null) {
                ended.add(id); // a new episode: the old one's acknowledgement does not carry over
            }
            a = new AlertRecord();
            a.id = id;
            a.rule = rule.name();
            a.severity = labels.get("severity");
            a.state = AlertRecord.PENDING;
            a.activeSince = now;
            alerts.remove(id);
            alerts.put(id, a);
        } else if (a.labels != null && a.lastSeenThisStep(now)) {
            a.value = Math.max(a.value, o.value());
            return a;
        }
        a.labels = labels;
        a.value = o.value();
        a.summary = summary(rule, labels, o);
        a.markSeen(now);
        a.resolving = false; // held again within resolve-after: the same episode goes on
        return a;
    }

    /**
     * Whether a firing alert whose condition does not hold now has not held for the rule's
     * {@code resolve-after}; until then it stays firing but is neither escalated nor repeated,
     * since nothing holds to tell anyone about.
     */
    private static boolean resolvedAfterQuiet(AlertRecord a, AlertRule rule, long now) {
        if (!a.resolving) {
            a.resolving = true;
            a.resolvingSince = now;
        }
        return now - a.resolvingSince >= rule.resolveAfter().toMillis();
    }

    /** Pending to firing after {@code for}; then first notice, escalation and repeats while unacknowledged. */
    private void advance(AlertRecord a, AlertRule rule, long now, boolean acked, boolean silenced,
                         Map<String, List<AlertNotice>> notices) {
        if (AlertRecord.PENDING.equals(a.state)) {
            if (now - a.activeSince < rule.forDuration().toMillis()) {
                return;
            }
            a.state = AlertRecord.FIRING;
            a.firingSince = now;
        }
        if (acked || silenced) {
            return;
        }
        List<List<String>> route = route(rule);
        if (!a.notified) {
            a.notified = true;
            a.level = 0;
            a.levelSince = now;
            notify(a, route.get(0), AlertRecord.FIRING, now, notices);
        } else if (a.level < route.size() - 1 && now - a.levelSince >= rule.escalateAfter().toMillis()) {
            a.level++;
            a.levelSince = now;
            log.info("alert {} {} not acknowledged within {}: escalated to level {}", a.rule, a.id,
                    rule.escalateAfter(), a.level);
            notify(a, route.get(a.level), AlertRecord.FIRING, now, notices);
        } else if (now - a.lastNotifiedAt >= rule.repeatInterval().toMillis()) {
            notify(a, route.get(a.level), AlertRecord.FIRING, now, notices);
        }
    }

    private void resolve(AlertRecord a, AlertRule rule, long now, boolean silenced, Map<String, List<AlertNotice>> notices) {
        a.state = AlertRecord.RESOLVED;
        a.resolving = false;
        a.resolvedAt = now;
        if (a.notified && !silenced) {
            // everyone told it fires hears it ended
            Set<String> told = new LinkedHashSet<>();
            List<List<String>> route = route(rule);
            for (int l = 0; l <= Math.min(a.level, route.size() - 1); l++) {
                told.addAll(route.get(l));
            }
            notify(a, List.copyOf(told), AlertRecord.RESOLVED, now, notices);
        }
    }

    private void notify(AlertRecord a, List<String> channels, String status, long now,
                        Map<String, List<AlertNotice>> notices) {
        a.lastNotifiedAt = now;
        AlertNotice notice = a.notice(status, a.level);
        for (String channel : channels) {
            notices.computeIfAbsent(channel, k -> new ArrayList<>()).add(notice);
        }
    }

    private List<List<String>> route(AlertRule rule) {
        return rule.route().isEmpty() ? config.route() : rule.route();
    }

    /** Drops the oldest resolved alert when full; false when every tracked alert is active. */
    private boolean makeRoom() {
        if (alerts.size() < config.maxAlerts()) {
            return true;
        }
        for (Iterator<AlertRecord> it = alerts.values().iterator(); it.hasNext(); ) {
            if (AlertRecord.RESOLVED.equals(it.next().state)) {
                it.remove();
                return true;
            }
        }
        if (!overfullLogged) {
            overfullLogged = true;
            log.warn("{} alerts are active (ops.alerts.max-alerts); further ones are not tracked", alerts.size());
        }
        return false;
    }

    private static String summary(AlertRule rule, Map<String, String> labels, Observation o) {
        String template = rule.summary().isEmpty() ? rule.name() + " {{labels}}" : rule.summary();
        Matcher m = PLACEHOLDER.matcher(template);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            String key = m.group(1);
            String v = switch (key) {
                case "value" -> o.value() == Math.rint(o.value()) ? Long.toString((long) o.value()) : String.format(Locale.ROOT, "%.3g", o.value());
                case "detail" -> o.detail();
                case "labels" -> o.labels().toString();
                default -> labels.getOrDefault(key, "");
            };
            m.appendReplacement(b, Matcher.quoteReplacement(v));
        }
        m.appendTail(b);
        return b.toString();
    }

    /** A stable id of a rule's series: the first 16 hex digits of the SHA-256 of its sorted labels. */
    static String fingerprint(Map<String, String> labels) {
        StringBuilder b = new StringBuilder();
        new TreeMap<>(labels).forEach((k, v) -> b.append(k).append('\u0000').append(v).append('\u0001'));
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(b.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JVM", e);
        }
    }

    /** Every alert as the API shows it, with these acknowledgements. */
    public List<AlertView> views(Map<String, Ack> acks) {
        return views(List.copyOf(alerts.values()), acks);
    }

    /** Alerts by state: pending, firing, resolved; for metrics. */
    public Map<String, Integer> countsByState() {
        Map<String, Integer> out = new TreeMap<>(Map.of(AlertRecord.PENDING, 0, AlertRecord.FIRING, 0,
                AlertRecord.RESOLVED, 0));
        alerts.values().forEach(a -> out.merge(a.state, 1, Integer::sum));
        return out;
    }

    static List<AlertView> views(List<AlertRecord> records, Map<String, Ack> acks) {
        List<AlertView> out = new ArrayList<>(records.size());
        for (AlertRecord a : records) {
            Ack ack = acks.get(a.id);
            out.add(new AlertView(a.id, a.rule, a.severity, a.state, a.labels, a.summary,
                    Instant.ofEpochMilli(a.since()).toString(),
                    a.resolving ? Instant.ofEpochMilli(a.resolvingSince).toString() : "",
                    ack != null, ack == null ? "" : ack.by()));
        }
        return out;
    }

    /** The state as JSON, for the next lease holder and for the API of the other replicas. */
    public String save() {
        return GSON.toJson(alerts.values());
    }

    /** Takes over the state a previous lease holder saved; null or blank: none. */
    public void restore(String json) {
        alerts.clear();
        alerts.putAll(parse(json));
    }

    static Map<String, AlertRecord> parse(String json) {
        Map<String, AlertRecord> out = new LinkedHashMap<>();
        if (json == null || json.isBlank()) {
            return out;
        }
        List<AlertRecord> records = GSON.fromJson(json, new TypeToken<List<AlertRecord>>() { }.getType());
        records.forEach(r -> out.put(r.id, r));
        return out;
    }
}
