package io.tidegate.gateway;

import com.google.inject.CreationException;
import com.google.inject.ProvisionException;
import com.google.inject.spi.Message;
import io.tidegate.gateway.backend.BackendUnavailableException;
import io.tidegate.gateway.config.ConfigLoader;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.config.InvalidConfigException;
import io.tidegate.gateway.monitoring.JulBridge;
import io.tidegate.gateway.config.SettingUnusableException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.slf4j.LoggerFactory;

/**
 * Starts the gateway: {@code java -jar tidegate-gateway-all.jar [--config file] [--key=value ...]}.
 * Exit codes: 2 and one line naming the key when a configuration value is invalid (checked before
 * anything starts); 3 and one line naming the key when the machine refuses a valid setting at
 * start (a port in use, a spool directory that cannot be created, Redis unreachable with
 * {@code resilience.enabled=false}); 1 with a stack trace for an internal error. SIGTERM (or
 * SIGINT) drains and exits 0, or 1 when the drain timed out (see {@link DrainOnSignal}).
 */
public final class Main {

    static final int EXIT_INTERNAL_ERROR = 1;
    static final int EXIT_INVALID_CONFIG = 2;
    static final int EXIT_SETTING_REFUSED = 3;

    private Main() {
    }

    public static void main(String[] args) throws InterruptedException {
        JulBridge.install();
        GatewayConfig config;
        try {
            config = ConfigLoader.fromArgs(args, System.getenv());
        } catch (InvalidConfigException e) {
            System.err.println("tidegate: invalid configuration: " + e.getMessage());
            System.exit(EXIT_INVALID_CONFIG);
            return;
        }
        EmbeddedGateway gateway;
        try {
            gateway = EmbeddedGateway.start(config);
        } catch (RuntimeException e) {
            String refused = refusedSetting(e);
            if (refused != null) {
                System.err.println("tidegate: cannot start: " + refused);
                System.exit(EXIT_SETTING_REFUSED);
                return;
            }
            LoggerFactory.getLogger(Main.class).error("tidegate: start-up failed on an internal error", e);
            System.exit(EXIT_INTERNAL_ERROR);
            return;
        }
        DrainOnSignal.install(gateway);
        // test harnesses and scripts wait for "listening on <host>:<port>": keep that shape
        System.err.println("tidegate: gateway " + config.gatewayId() + " listening on " + config.grpc().host() + ":" + gateway.grpcPort()
                + (gateway.httpPort() > 0 ? ", admin HTTP on " + config.http().host() + ":" + gateway.httpPort() : ""));
        new CountDownLatch(1).await(); // the gateway's threads serve; a signal ends the process
    }

    /**
     * The one-line message of a start-up failure caused by a setting the machine refused, found
     * anywhere in the causes (Guice wraps what providers throw); null for anything else.
     */
    static String refusedSetting(Throwable failure) {
        List<Throwable> todo = new ArrayList<>(List.of(failure));
        for (int i = 0; i < todo.size() && i < 64; i++) {
            Throwable t = todo.get(i);
            if (t instanceof SettingUnusableException || t instanceof BackendUnavailableException) {
                return t.getMessage();
            }
            if (t instanceof ProvisionException p) {
                addCauses(p.getErrorMessages(), todo);
            } else if (t instanceof CreationException c) {
                addCauses(c.getErrorMessages(), todo);
            }
            if (t.getCause() != null && t.getCause() != t) {
                todo.add(t.getCause());
            }
        }
        return null;
    }

    private static void addCauses(Collection<Message> messages, List<Throwable> todo) {
        for (Message m : messages) {
            if (m.getCause() != null) {
                todo.add(m.getCause());
            }
        }
    }
}
