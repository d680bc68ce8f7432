package io.tidegate.gateway.alerting;

import com.google.gson.Gson;
import io.tidegate.gateway.config.GatewayConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * POSTs Alertmanager-compatible JSON (webhook payload version 4) to {@code ops.alerts.webhook.url},
 * one request per group of alerts ({@code ops.alerts.group-by}). Requests wait in a bounded
 * queue ({@code queue-capacity}; when full the newest is dropped and counted) for one sender
 * thread, which retries a failed one (connection error, 5xx, 429) up to {@code max-attempts}
 * times with doubling backoff from {@code initial-backoff}.
 *
 * <p>Threading: {@link #send} is called on the alert thread and never blocks; the sender
 * thread does the I/O.
 */
public final class WebhookChannel implements Channel, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WebhookChannel.class);
    private static final Gson GSON = new Gson();

    private final GatewayConfig.Webhook config;
    private final List<String> groupBy;
    private final String externalUrl;
    private final HttpClient http;
    private final BlockingQueue<byte[]> queue;
    private final Thread sender;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();
    private volatile boolean closed;

    /** @param externalUrl where the alerts can be seen (the admin port's {@code /api/alerts}), for the payload */
    public WebhookChannel(GatewayConfig.Webhook config, List<String> groupBy, String externalUrl) {
        this.config = config;
        this.groupBy = List.copyOf(groupBy);
        this.externalUrl = externalUrl;
        this.http = HttpClient.newBuilder().connectTimeout(config.timeout()).build();
        this.queue = new ArrayBlockingQueue<>(config.queueCapacity());
        this.sender = new Thread(this::run, "tidegate-alert-webhook");
        sender.setDaemon(true);
        sender.start();
    }

    @Override
    public String name() {
        return "webhook";
    }

    @Override
    public void send(List<AlertNotice> notices) {
        Map<Map<String, String>, List<AlertNotice>> groups = new LinkedHashMap<>();
        for (AlertNotice n : notices) {
            Map<String, String> key = new TreeMap<>();
            groupBy.forEach(l -> key.put(l, n.labels().getOrDefault(l, "")));
            groups.computeIfAbsent(key, k -> new ArrayList<>()).add(n);
        }
        groups.forEach((key, group) -> {
            if (!queue.offer(payload(key, group))) {
                long n = dropped.incrementAndGet();
                log.warn("alert webhook queue is full (ops.alerts.webhook.queue-capacity = {}): a notification of {} "
                        + "alert(s) was dropped; {} dropped so far", config.queueCapacity(), group.size(), n);
            }
        });
    }

    private byte[] payload(Map<String, String> groupLabels, List<AlertNotice> group) {
        Map<String, Object> body = new LinkedHashMap<>();
        boolean firing = group.stream().anyMatch(n -> n.status().equals("firing"));
        Map<String, String> common = new TreeMap<>(group.get(0).labels());
        group.forEach(n -> common.entrySet().removeIf(e -> !e.getValue().equals(n.labels().get(e.getKey()))));
        body.put("version", "4");
        body.put("groupKey", groupLabels.toString());
        body.put("truncatedAlerts", 0);
        body.put("status", firing ? "firing" : "resolved");
        body.put("receiver", "tidegate");
        body.put("groupLabels", groupLabels);
        body.put("commonLabels", common);
        body.put("commonAnnotations", group.size() == 1 ? annotations(group.get(0)) : Map.of());
        body.put("externalURL", externalUrl);
        body.put("alerts", group.stream().map(WebhookChannel::alertObject).toList());
        return GSON.toJson(body).getBytes(StandardCharsets.UTF_8);
    }

    /** One alert as Alertmanager's webhook writes it. */
    static Map<String, Object> alertObject(AlertNotice n) {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("status", n.status());
        a.put("labels", new TreeMap<>(n.labels()));
        a.put("annotations", annotations(n));
        a.put("startsAt", TopicChannel.time(n.startsAt()));
        a.put("endsAt", TopicChannel.time(n.endsAt()));
        a.put("generatorURL", "");
        a.put("fingerprint", n.id());
        return a;
    }

    private static Map<String, String> annotations(AlertNotice n) {
        Map<String, String> a = new TreeMap<>();
        a.put("summary", n.summary());
        a.put("level", Integer.toString(n.level()));
        a.put("value", Double.toString(n.value()));
        return a;
    }

    private void run() {
        while (!closed) {
            byte[] body;
            try {
                body = queue.poll(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (body != null) {
                deliver(body);
            }
        }
    }

    private void deliver(byte[] body) {
        long backoff = config.initialBackoff().toMillis();
        String problem = "";
        for (int attempt = 1; attempt <= config.maxAttempts() && !closed; attempt++) {
            try {
                HttpResponse<Void> response = http.send(HttpRequest.newBuilder(URI.create(config.url()))
                                .timeout(config.timeout())
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                        HttpResponse.BodyHandlers.discarding());
                int status = response.statusCode();
                if (status < 300) {
                    sent.incrementAndGet();
                    return;
                }
                problem = "HTTP " + status;
                if (status < 500 && status != 429) {
                    break; // the receiver refuses it; sending it again changes nothing
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (java.io.IOException | RuntimeException e) {
                problem = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            }
            if (attempt < config.maxAttempts()) {
                retries.incrementAndGet();
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException e) {
                    return;
                }
                backoff = Math.min(backoff * 2, 60_000);
            }
        }
        failed.incrementAndGet();
        log.warn("alert webhook {} did not take a notification ({}); given up after ops.alerts.webhook.max-attempts",
                config.url(), problem);
    }

    /** Notifications the receiver took. */
    public long sent() {
        return sent.get();
    }

    /** Notifications given up after every attempt failed. */
    public long failed() {
        return failed.get();
    }

    /** Notifications dropped because the queue was full. */
    public long dropped() {
        return dropped.get();
    }

    /** Attempts made again after a failed one. */
    public long retries() {
        return retries.get();
    }

    @Override
    public void close() {
        closed = true;
        sender.interrupt();
    }
}
