package io.tidegate.gateway.alerting;

import com.google.gson.Gson;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Publishes each notice as a JSON message on {@code ops.alerts.<severity>} through the gateway's
 * own publisher, so any SDK can subscribe to alerts. The payload is one Alertmanager-style alert
 * object ({@code status, labels, annotations, startsAt, endsAt, fingerprint}) plus
 * {@code id, name, severity, level}. Never blocks (the publisher queues). Thread-safe.
 */
public final class TopicChannel implements Channel {

    /** Topics are {@code ops.alerts.info}, {@code .warning}, {@code .critical}, {@code .page}. */
    public static final String TOPIC_PREFIX = "ops.alerts.";
    private static final Gson GSON = new Gson();

    private final BiConsumer<String, byte[]> publish;

    /** @param publish takes a topic and a payload; must not block */
    public TopicChannel(BiConsumer<String, byte[]> publish) {
        this.publish = publish;
    }

    @Override
    public String name() {
        return "topic";
    }

    @Override
    public void send(List<AlertNotice> notices) {
        for (AlertNotice n : notices) {
            Map<String, Object> body = new LinkedHashMap<>(WebhookChannel.alertObject(n));
            body.put("id", n.id());
            body.put("name", n.name());
            body.put("severity", n.severity());
            body.put("level", n.level());
            publish.accept(TOPIC_PREFIX + n.severity(), GSON.toJson(body).getBytes(StandardCharsets.UTF_8));
        }
    }

    static String time(long millis) {
        return millis == 0 ? "0001-01-01T00:00:00Z" : Instant.ofEpochMilli(millis).toString();
    }
}
