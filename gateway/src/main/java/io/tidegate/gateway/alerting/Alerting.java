package io.tidegate.gateway.alerting;

import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.config.GatewayConfig.AlertRule;
import io.tidegate.gateway.monitoring.HealthView;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs alerting on a thread of its own ({@code tidegate-alerts}): every
 * {@code evaluation-interval} it checks the rules against this replica's metrics and health,
 * reports what holds, and, when it holds the lease, steps the {@link AlertEngine} with what holds
 * on every replica, saves the state and hands the notices to the channels. A failing step (Redis
 * down) is logged and tried again next interval.
 *
 * <p>Threading: {@link #alerts()} and the acknowledgement and silence methods are called by the
 * admin port's threads; they read a published snapshot or go to the coordination.
 */
public final class Alerting implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Alerting.class);

    private final GatewayConfig.Alerts config;
    private final ConditionEvaluator conditions;
    private final AlertEngine engine;
    private final MetricSource metrics;
    private final HealthView health;
    private final AlertCoordination coordination;
    private final Map<String, Channel> channels;
    private final Clock clock;
    private final ScheduledExecutorService thread;
    private final AtomicLong evaluations = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private volatile List<AlertView> snapshot = List.of();
    private volatile Map<String, Integer> counts = Map.of("pending", 0, "firing", 0, "resolved", 0);
    private boolean wasLeading;
    private String lastFailure = "";

    public Alerting(GatewayConfig.Alerts config, List<AlertRule> rules, String gatewayId, MetricSource metrics,
                    HealthView health, AlertCoordination coordination, List<Channel> channels, Clock clock) {
        this.config = config;
        this.conditions = new ConditionEvaluator(rules, gatewayId, config.maxAlerts());
        this.engine = new AlertEngine(config, rules);
        this.metrics = metrics;
        this.health = health;
        this.coordination = coordination;
        Map<String, Channel> byName = new java.util.LinkedHashMap<>();
        channels.forEach(c -> byName.put(c.name(), c));
        this.channels = Map.copyOf(byName);
        this.clock = clock;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tidegate-alerts");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts evaluating every {@code evaluation-interval}. */
    public void start() {
        long every = config.evaluationInterval().toMillis();
        thread.scheduleWithFixedDelay(this::evaluateSafely, every, every, TimeUnit.MILLISECONDS);
    }

    private void evaluateSafely() {
        try {
            evaluate();
            lastFailure = "";
        } catch (RuntimeException e) {
            if (thread.isShutdown()) {
                return; // closing: close() interrupted a backend call in flight, nothing failed
            }
            failures.incrementAndGet();
            String why = String.valueOf(e.getMessage());
            if (!why.equals(lastFailure)) {
                log.warn("alert evaluation failed: {}; trying again every {}", why, config.evaluationInterval(), e);
            }
            lastFailure = why;
        }
    }

    /** One evaluation (the alert thread; tests call it through {@link #evaluateNow()}). */
    private void evaluate() {
        long now = clock.millis();
        List<Observation> here = conditions.evaluate(metrics.read(), health.components(), now);
        coordination.report(here, now);
        boolean leading = coordination.lead();
        if (!leading) {
            wasLeading = false;
            snapshot = null; // the API reads the holder's state
            counts = Map.of("pending", 0, "firing", 0, "resolved", 0); // the holder counts them
            return;
        }
        if (!wasLeading) {
            engine.restore(coordination.loadState());
            wasLeading = true;
        }
        long maxAge = Math.max(3 * config.evaluationInterval().toMillis(), config.leaseTime().toMillis());
        Map<String, Ack> acks = coordination.acks();
        AlertEngine.Step step = engine.step(now, coordination.observations(now, maxAge), acks,
                coordination.silences(now));
        // saved before anything is sent: a replica taking over after a crash here re-sends nothing
        coordination.saveState(engine.save());
        coordination.clearAcks(step.ended());
        step.notices().forEach((name, notices) -> {
            Channel channel = channels.get(name);
            if (channel != null) {
                channel.send(notices);
            }
        });
        snapshot = engine.views(Map.of());
        counts = engine.countsByState();
        evaluations.incrementAndGet();
    }

    /** Runs one evaluation now on the alert thread and waits for it; for tests. */
    public void evaluateNow() {
        try {
            thread.submit(this::evaluate).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("alert evaluation failed", e);
        }
    }

    /** Every alert with its acknowledgement: this replica's own list while it holds the lease, else the holder's. */
    public List<AlertView> alerts() {
        Map<String, Ack> acks = coordination.acks();
        List<AlertView> own = snapshot;
        List<AlertView> base = own != null ? own
                : AlertEngine.views(new ArrayList<>(AlertEngine.parse(coordination.loadState()).values()), Map.of());
        List<AlertView> out = new ArrayList<>(base.size());
        for (AlertView v : base) {
            Ack ack = acks.get(v.id());
            out.add(ack == null ? v : v.acknowledgedBy(ack.by()));
        }
        return out;
    }

    /** Acknowledges an alert; its escalation and repeats stop. Empty when there is no such alert. */
    public java.util.Optional<AlertView> acknowledge(String id, String by) {
        for (AlertView v : alerts()) {
            if (v.id().equals(id)) {
                coordination.ack(id, new Ack(by, clock.millis()));
                log.info("alert {} {} acknowledged by {}", v.name(), id, by);
                return java.util.Optional.of(v.acknowledgedBy(by));
            }
        }
        return java.util.Optional.empty();
    }

    public List<Silence> silences() {
        return coordination.silences(clock.millis());
    }

    public void silence(Silence silence) {
        coordination.addSilence(silence);
        log.info("silence {} until {} for {} by {}: {}", silence.id(), java.time.Instant.ofEpochMilli(silence.untilMillis()),
                silence.matchers(), silence.createdBy(), silence.comment());
    }

    public boolean unsilence(String id) {
        return coordination.removeSilence(id);
    }

    /** True while this replica holds the lease and evaluates. */
    public boolean leading() {
        return coordination.leading();
    }

    /** Alerts by state (pending, firing, resolved) as of the last evaluation this replica made. */
    public Map<String, Integer> countsByState() {
        return counts;
    }

    /** Evaluations this replica made as lease holder. */
    public long evaluations() {
        return evaluations.get();
    }

    public Clock clock() {
        return clock;
    }

    @Override
    public void close() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        coordination.close();
        channels.values().forEach(c -> {
            if (c instanceof AutoCloseable closeable) {
                try {
                    closeable.close();
                } catch (Exception e) {
                    log.debug("closing alert channel {} failed", c.name(), e);
                }
            }
        });
    }
}
