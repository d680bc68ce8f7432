package io.tidegate.gateway;

import io.tidegate.gateway.config.ConfigLoader;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.config.InvalidConfigException;
import io.tidegate.gateway.monitoring.JulBridge;
import java.util.concurrent.CountDownLatch;

/**
 * Starts the gateway: {@code java -jar tidegate-gateway-all.jar [--config file] [--key=value ...]}.
 * Exits with status 2 and a message naming the key when the configuration is invalid. SIGTERM
 * drains gracefully.
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) throws InterruptedException {
        JulBridge.install();
        GatewayConfig config;
        try {
            config = ConfigLoader.fromArgs(args, System.getenv());
        } catch (InvalidConfigException e) {
            System.err.println("tidegate: invalid configuration: " + e.getMessage());
            System.exit(2);
            return;
        }
        EmbeddedGateway gateway = EmbeddedGateway.start(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            gateway.close();
            stopped.countDown();
        }, "tidegate-shutdown"));
        System.err.println("tidegate: gateway " + config.gatewayId() + " serving gRPC on " + config.grpc().host() + ":" + gateway.grpcPort()
                + (gateway.httpPort() > 0 ? ", admin HTTP on " + config.http().host() + ":" + gateway.httpPort() : "")
                + "; clients connect to " + gateway.target());
        stopped.await();
    }
}
