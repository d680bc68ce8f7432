package io.tidegate.gateway.server;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import jakarta.inject.Singleton;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/** Wires the gRPC server and the timer thread its sessions share. */
public final class ServerModule extends AbstractModule {

    @Override
    protected void configure() {
        bind(GatewayServer.class);
    }

    @Provides
    @Singleton
    ScheduledExecutorService sessionTimers() {
        return Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tidegate-session-timers");
            t.setDaemon(true);
            return t;
        });
    }
}
