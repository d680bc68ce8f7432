package io.tidegate.gateway.risk;

import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.security.WatchedFiles;
import java.io.File;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The risk limits in force: from {@code risk.limits}, or from {@code risk.limits-file}, which a
 * daemon thread ({@code tidegate-risk-limits}) checks every {@code risk.reload-interval} and loads
 * again when it changed; a file that cannot be used keeps the limits in force (logged once).
 * Thread-safe: the table is swapped whole, and readers compare it by identity to know when to
 * resolve their cached limits again.
 */
public final class RiskLimits implements AutoCloseable {

    private volatile LimitTable table;
    private final ScheduledExecutorService reloader;

    /** @throws IllegalArgumentException naming the key of limits that cannot be used */
    public RiskLimits(GatewayConfig.Risk config) {
        if (config.limitsFile().isEmpty()) {
            this.table = LimitTable.parse(config.defaults(), "limits = " + config.limits(), "risk.limits");
            this.reloader = null;
            return;
        }
        File file = new File(config.limitsFile());
        WatchedFiles watched = new WatchedFiles("risk.limits-file", List.of(Path.of(config.limitsFile())),
                () -> table = LimitTable.load(config.defaults(), file));
        try {
            watched.loadNow();
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalArgumentException("risk.limits-file " + file + ": " + e.getMessage(), e);
        }
        this.reloader = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tidegate-risk-limits");
            t.setDaemon(true);
            return t;
        });
        long every = config.reloadInterval().toMillis();
        reloader.scheduleWithFixedDelay(watched::check, every, every, TimeUnit.MILLISECONDS);
    }

    /** The table in force now. */
    LimitTable table() {
        return table;
    }

    @Override
    public void close() {
        if (reloader != null) {
            reloader.shutdownNow();
        }
    }
}
