package io.tidegate.gateway;

import com.google.inject.name.Named;
import io.tidegate.gateway.backend.Backend;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.dispatch.IngressDispatcher;
import io.tidegate.gateway.monitoring.ComponentHealth;
import io.tidegate.gateway.monitoring.HealthView;
import io.tidegate.gateway.resilience.ResilienceStats;
import io.tidegate.gateway.resilience.ResilientBackend;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The health of the gateway's components, each read from the {@code *Stats} or state its package
 * exposes: the backend (down when not ready, degraded with its reason), each circuit breaker
 * (open: down, half-open: degraded), the disk spool (degraded while it holds publishes, down when
 * full) and the ingress queues (degraded past 90 % of {@code dispatch.ingress-queue-capacity}).
 * Read by {@code /healthz?verbose} and health alert rules. Thread-safe; cheap reads.
 */
@Singleton
final class GatewayHealth implements HealthView {

    private final Backend backend;
    private final Backend store;
    private final IngressDispatcher dispatcher;
    private final int queueCapacity;
    private final long spoolMaxBytes;

    @Inject
    GatewayHealth(Backend backend, @Named(BackendStackModule.STORE) Backend store, IngressDispatcher dispatcher,
                  GatewayConfig config) {
        this.backend = backend;
        this.store = store;
        this.dispatcher = dispatcher;
        this.queueCapacity = config.dispatch().ingressQueueCapacity();
        this.spoolMaxBytes = config.resilience().spool().maxBytes();
    }

    @Override
    public List<ComponentHealth> components() {
        List<ComponentHealth> out = new ArrayList<>();
        String degraded = backend.degradedReason();
        String refused = backend.recentRefusal();
        degraded = refused == null ? degraded : degraded == null ? refused : degraded + "; " + refused;
        out.add(!backend.isReady() ? new ComponentHealth("backend", ComponentHealth.State.DOWN,
                "backend " + backend.name() + " not ready")
                : degraded != null ? new ComponentHealth("backend", ComponentHealth.State.DEGRADED, degraded)
                : ComponentHealth.up("backend"));
        if (store instanceof ResilientBackend resilient) {
            for (Map.Entry<String, String> b : resilient.breakerStates().entrySet()) {
                String state = b.getValue().toLowerCase(Locale.ROOT);
                String name = "breaker:" + b.getKey();
                out.add(state.equals("open") || state.equals("forced_open")
                        ? new ComponentHealth(name, ComponentHealth.State.DOWN, "circuit breaker " + state)
                        : state.equals("half_open") ? new ComponentHealth(name, ComponentHealth.State.DEGRADED, "circuit breaker half open")
                        : ComponentHealth.up(name));
            }
            out.add(spool(resilient.stats()));
        }
        long depth = 0;
        for (int d : dispatcher.queueDepths()) {
            depth += d;
        }
        out.add(depth * 10 >= queueCapacity * 9L
                ? new ComponentHealth("dispatch", ComponentHealth.State.DEGRADED, depth + " of " + queueCapacity
                        + " ingress queue places taken (dispatch.ingress-queue-capacity)")
                : ComponentHealth.up("dispatch"));
        return out;
    }

    private ComponentHealth spool(ResilienceStats stats) {
        double fill = (double) stats.spoolBytes() / spoolMaxBytes;
        String reason = String.format(Locale.ROOT, "%d publishes wait for replay; %.0f %% of resilience.spool.max-bytes",
                stats.spoolPending(), fill * 100);
        if (fill >= 1) {
            return new ComponentHealth("spool", ComponentHealth.State.DOWN, reason);
        }
        return stats.spoolPending() > 0 ? new ComponentHealth("spool", ComponentHealth.State.DEGRADED, reason)
                : ComponentHealth.up("spool");
    }
}
