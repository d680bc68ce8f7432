package io.tidegate.gateway;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A gateway in its own JVM, started through {@link Main} exactly as users run it, for tests that
 * send it real signals (SIGTERM, SIGKILL). Its log goes to this process's stderr.
 */
public final class GatewayProcess implements AutoCloseable {

    private static final Pattern LISTENING = Pattern.compile("listening on ([0-9.]+:\\d+)");

    private final Process process;
    private final String target;

    private GatewayProcess(Process process, String target) {
        this.process = process;
        this.target = target;
    }

    /** Starts {@code Main} with these flags on free loopback ports; returns once it listens. */
    public static GatewayProcess start(String... flags) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElse("java"),
                "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "--grpc.host=127.0.0.1", "--grpc.port=0", "--http.port=-1"));
        command.addAll(List.of(flags));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        CompletableFuture<String> target = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    System.err.println("[gateway-process] " + line);
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) {
                        target.complete(m.group(1));
                    }
                }
            } catch (IOException e) {
                // process ended
            }
            target.completeExceptionally(new IllegalStateException("gateway process exited before listening"));
        }, "gateway-process-output");
        reader.setDaemon(true);
        reader.start();
        try {
            return new GatewayProcess(p, target.get(120, TimeUnit.SECONDS));
        } catch (Exception e) {
            p.destroyForcibly();
            throw new IOException("gateway did not start: " + e.getMessage(), e);
        }
    }

    public String target() {
        return target;
    }

    /** Sends SIGTERM (graceful drain). */
    public void terminate() {
        process.destroy();
    }

    /** Sends SIGKILL. */
    public void kill() {
        process.destroyForcibly();
    }

    /** Waits for the process to end; returns its exit code. */
    public int awaitExit(long timeout, TimeUnit unit) throws InterruptedException {
        if (!process.waitFor(timeout, unit)) {
            throw new AssertionError("gateway process still running after " + timeout + " " + unit);
        }
        return process.exitValue();
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
