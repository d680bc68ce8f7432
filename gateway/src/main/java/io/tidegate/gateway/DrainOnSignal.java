package io.tidegate.gateway;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * Turns SIGTERM and SIGINT into a graceful drain and an exit code that says how it went: 0 after
 * a clean drain, 1 when {@code shutdown.drain-timeout} passed with publishes unanswered. Left to
 * the JVM, SIGTERM runs the drain in a shutdown hook and the process exits 143 (128 + 15), which
 * systemd and most supervisors count as a failure even after a clean drain. Handling the signal
 * instead (rather than {@code Runtime.halt(0)} at the end of a shutdown hook, which would cut off
 * every other hook) lets the exit code be chosen while the JVM shuts down normally. A shutdown
 * hook still drains on every other way out (SIGHUP, {@code System.exit}), and when the JVM
 * refuses a handler (e.g. started with {@code -Xrs}) SIGTERM falls back to it.
 *
 * <p>Threading: the drain runs on the JVM's signal-handler thread; a second signal while it runs
 * is ignored, so it cannot cut the drain short.
 */
final class DrainOnSignal {

    private static final Logger log = LoggerFactory.getLogger(DrainOnSignal.class);

    private DrainOnSignal() {
    }

    static void install(EmbeddedGateway gateway) {
        AtomicBoolean draining = new AtomicBoolean();
        for (String name : List.of("TERM", "INT")) {
            try {
                Signal.handle(new Signal(name), signal -> {
                    if (!draining.compareAndSet(false, true)) {
                        log.info("SIG{} while draining; the drain goes on", signal.getName());
                        return;
                    }
                    log.info("SIG{}: draining", signal.getName());
                    boolean clean = gateway.stop();
                    System.exit(clean ? 0 : 1);
                });
            } catch (IllegalArgumentException e) {
                log.warn("cannot handle SIG{} ({}); it drains through the shutdown hook and exits with the JVM's code",
                        name, e.getMessage());
            }
        }
        Runtime.getRuntime().addShutdownHook(new Thread(gateway::close, "tidegate-shutdown"));
    }
}
