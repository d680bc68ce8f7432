package io.tidegate.faults;

import io.tidegate.gateway.Main;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One gateway replica in its own JVM ({@link Main}, as users run it) on a fixed loopback port, so
 * that it can be SIGTERMed or SIGKILLed and started again at the same address the clients' endpoint
 * lists name. Its output goes to {@code <logDir>/<name>.log}. Also reads the process's heap (with
 * {@code jcmd}) and CPU time, and, when started with its admin port, {@code /healthz} and
 * {@code /metrics}.
 *
 * <p>Threading: not thread-safe; one scenario thread drives it.
 */
final class GatewayReplica implements AutoCloseable {

    private static final Pattern LISTENING = Pattern.compile("listening on ([0-9.]+:\\d+)");
    private static final Pattern USED = Pattern.compile("used (\\d+)([KMG])");

    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(5);

    private final String name;
    private final int port;
    /** The admin HTTP port, or -1 when it is off. */
    private final int httpPort;
    private final Path logDir;
    private final List<String> jvmOptions;
    private final List<String> flags;
    private Process process;
    private int starts;

    private GatewayReplica(String name, int port, int httpPort, Path logDir, List<String> jvmOptions, List<String> flags) {
        this.name = name;
        this.port = port;
        this.httpPort = httpPort;
        this.logDir = logDir;
        this.jvmOptions = jvmOptions;
        this.flags = flags;
    }

    /** Starts a replica on a free port with these gateway flags; returns once it listens. */
    static GatewayReplica start(String name, Path logDir, List<String> jvmOptions, String... flags) throws IOException {
        GatewayReplica r = new GatewayReplica(name, freePort(), -1, logDir, List.copyOf(jvmOptions), List.of(flags));
        r.startAgain();
        return r;
    }

    /** Like {@link #start}, with the admin HTTP port open on another free port ({@link #healthy}, {@link #metric}). */
    static GatewayReplica startWithAdmin(String name, Path logDir, List<String> jvmOptions, String... flags)
            throws IOException {
        GatewayReplica r = new GatewayReplica(name, freePort(), freePort(), logDir, List.copyOf(jvmOptions),
                List.of(flags));
        r.startAgain();
        return r;
    }

    /** Starts the process (again) on the same port; returns once it listens. */
    void startAgain() throws IOException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " is still running");
        }
        Files.createDirectories(logDir);
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.add("-XX:+ExitOnOutOfMemoryError"); // as scripts/run-gateway.sh runs it
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "--gateway-id=" + name, "--grpc.host=127.0.0.1", "--grpc.port=" + port, "--http.host=127.0.0.1",
                "--http.port=" + httpPort));
        command.addAll(flags);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        starts++;
        CompletableFuture<String> listening = new CompletableFuture<>();
        Path log = logDir.resolve(name + ".log");
        Thread pump = new Thread(() -> pump(p, log, listening), "replica-" + name + "-output");
        pump.setDaemon(true);
        pump.start();
        try {
            listening.get(90, TimeUnit.SECONDS);
        } catch (Exception e) {
            p.destroyForcibly();
            throw new IOException(name + " did not start (see " + log + "): " + e.getMessage(), e);
        }
        process = p;
    }

    private void pump(Process p, Path log, CompletableFuture<String> listening) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
             PrintWriter out = new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8,
                     java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND), true)) {
            out.println("---- start " + starts + " of " + name + " (pid " + p.pid() + ")");
            String line;
            while ((line = in.readLine()) != null) {
                out.println(line);
                Matcher m = LISTENING.matcher(line);
                if (m.find()) {
                    listening.complete(m.group(1));
                }
            }
        } catch (IOException e) {
            // the process ended
        }
        listening.completeExceptionally(new IllegalStateException("exited before listening"));
    }

    String name() {
        return name;
    }

    /** host:port for clients. */
    String target() {
        return "127.0.0.1:" + port;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** Whether {@code /healthz} answers 200 within a few seconds; needs {@link #startWithAdmin}. */
    boolean healthy() {
        try {
            return admin("/healthz").statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * The value of an unlabelled metric on {@code /metrics} (Prometheus name), or -1 when it is not
     * there or the gateway does not answer; needs {@link #startWithAdmin}.
     */
    double metric(String prometheusName) {
        try {
            HttpResponse<String> r = admin("/metrics");
            for (String line : r.body().split("\n")) {
                if (line.startsWith(prometheusName + " ")) {
                    return Double.parseDouble(line.substring(prometheusName.length() + 1).trim());
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not there, or the gateway did not answer
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return -1;
    }

    private HttpResponse<String> admin(String path) throws IOException, InterruptedException {
        if (httpPort < 0) {
            throw new IllegalStateException(name + " runs without its admin port");
        }
        HttpClient http = HttpClient.newBuilder().connectTimeout(ADMIN_TIMEOUT).build();
        HttpRequest get = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                .timeout(ADMIN_TIMEOUT).GET().build();
        return http.send(get, HttpResponse.BodyHandlers.ofString());
    }

    /** SIGTERM (graceful drain) and wait for the exit; returns the exit code. */
    int terminate(Duration timeout) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException(name + " still running " + timeout + " after SIGTERM");
        }
        return process.exitValue();
    }

    /** SIGKILL and wait for the process to be gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** CPU time the process has used so far (user + system), or zero when the OS does not say. */
    Duration cpuTime() {
        return process.info().totalCpuDuration().orElse(Duration.ZERO);
    }

    /** Heap in use now, MiB, garbage included. */
    long heapUsedMiB() {
        return heapUsed(false);
    }

    /** Heap in use after a full GC (the live set), MiB. */
    long heapLiveMiB() {
        return heapUsed(true);
    }

    /** Resident set size of the whole process, MiB (heap, metaspace, thread stacks, direct buffers). */
    long rssMiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux, or the process is gone
        }
        return -1;
    }

    private long heapUsed(boolean afterGc) {
        if (afterGc) {
            jcmd("GC.run");
        }
        Matcher m = USED.matcher(jcmd("GC.heap_info"));
        if (!m.find()) {
            return -1;
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "K" -> n / 1024;
            case "G" -> n * 1024;
            default -> n;
        };
    }

    private String jcmd(String command) {
        try {
            Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
            Process p = new ProcessBuilder(Files.isExecutable(jcmd) ? jcmd.toString() : "jcmd",
                    Long.toString(process.pid()), command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(30, TimeUnit.SECONDS);
            return out;
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    @Override
    public void close() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
