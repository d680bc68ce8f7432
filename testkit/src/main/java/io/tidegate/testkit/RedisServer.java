package io.tidegate.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throwaway {@code redis-server} process for tests: loopback only, a free port, no persistence
 * (unless started with {@link #startPersistent()}),
 * its own temporary directory. Usable from any module through the gateway test-jar, with or
 * without JUnit ({@link RedisServerExtension} wraps it for JUnit 5).
 *
 * <p>The executable is taken from the system property {@code tidegate.redis-server}, the
 * environment variable {@code REDIS_SERVER}, or else the {@code PATH}. When none has it, {@link
 * #start()} throws: a test run without Redis must fail loudly rather than skip the Redis tests.
 *
 * <p>Threading: {@link #start()} and {@link #close()} block; the accessors are thread-safe.
 */
public final class RedisServer implements AutoCloseable {

    private static final long START_TIMEOUT_MILLIS = 15_000;
    private static final int START_ATTEMPTS = 3;

    private final Process process;
    private final int port;
    private final Path dir;
    private final boolean persistent;
    /** Null for a plaintext server. */
    private final Secured secured;
    private final Thread killOnExit;

    /** A TLS-only server's files and the ACL users it was started with. */
    private record Secured(RedisTlsFiles files, boolean requireClientCertificate, List<String> aclUsers) {

        List<String> args() {
            List<String> args = new java.util.ArrayList<>(List.of(
                    "--tls-cert-file", files.serverCertFile().toString(),
                    "--tls-key-file", files.serverKeyFile().toString(),
                    "--tls-ca-cert-file", files.caFile().toString(),
                    "--tls-auth-clients", requireClientCertificate ? "yes" : "optional"));
            for (String user : aclUsers) {
                // redis-server joins the words after an option into one config line
                args.add("--user");
                args.addAll(List.of(user.trim().split("\\s+")));
            }
            return args;
        }
    }

    private RedisServer(Process process, int port, Path dir, boolean persistent, Secured secured) {
        this.process = process;
        this.port = port;
        this.dir = dir;
        this.persistent = persistent;
        this.secured = secured;
        // A test JVM killed mid-run must not leave redis-server processes behind.
        this.killOnExit = new Thread(process::destroyForcibly, "redis-server-killer-" + port);
        Runtime.getRuntime().addShutdownHook(killOnExit);
    }

    /**
     * Starts a server and returns once it answers PING.
     *
     * @throws IllegalStateException when redis-server cannot be found or does not come up
     */
    public static RedisServer start() {
        return start(false);
    }

    /**
     * Starts a server that keeps its data on disk (append-only file, fsync on every write), so
     * that {@link #killAndRestart} brings back everything Redis acknowledged, as a production
     * Redis with {@code appendfsync always} does after a crash.
     */
    public static RedisServer startPersistent() {
        return start(true);
    }

    /**
     * Starts a server that speaks TLS only ({@code --port 0 --tls-port}) with certificates from
     * {@code files}, and with these ACL users, each a rule list as {@code ACL SETUSER} takes it,
     * e.g. {@code "tidegate on >secret ~tg:* &tg:* +@read"}. The {@code default} user stays
     * passwordless for the test's own {@link #command} set-up, which presents the client
     * certificate of {@code files}. Clients connect to {@link #uri()} ({@code rediss://}).
     *
     * @param requireClientCertificate {@code --tls-auth-clients yes} rather than {@code optional}
     */
    public static RedisServer startTls(RedisTlsFiles files, boolean requireClientCertificate, String... aclUsers) {
        return start(false, new Secured(files, requireClientCertificate, List.of(aclUsers)));
    }

    private static RedisServer start(boolean persistent) {
        return start(persistent, null);
    }

    private static RedisServer start(boolean persistent, Secured secured) {
        Path executable = findExecutable();
        IllegalStateException last = null;
        // The free port is only free when we look; another process may take it before
        // redis-server binds, so a failed bind gets a fresh port.
        for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
            try {
                return startOnce(executable, freePort(), newDir(), persistent, secured);
            } catch (IllegalStateException e) {
                last = e;
            }
        }
        throw last;
    }

    /**
     * Stops this server and starts a fresh, empty one on the same port, as a Redis restart
     * without persistence looks to clients.
     *
     * @throws IllegalStateException when the port cannot be bound again
     */
    public RedisServer restart() {
        close();
        return startOnce(findExecutable(), port, newDir(), persistent, secured);
    }

    /** Sends SIGKILL (a crash: no shutdown, nothing flushed beyond what the AOF fsync wrote). */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * {@link #kill() Kills} this server, waits {@code downMillis}, and starts a new one on the
     * same port and directory: a persistent server comes back with its data, another one empty.
     *
     * @throws IllegalStateException when the port cannot be bound again
     */
    public RedisServer killAndRestart(long downMillis) {
        kill();
        try {
            Runtime.getRuntime().removeShutdownHook(killOnExit);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook runs anyway
        }
        sleep(downMillis);
        return startOnce(findExecutable(), port, dir, persistent, secured);
    }

    /** The loopback port the server listens on. */
    public int port() {
        return port;
    }

    /** A Lettuce-style URI, e.g. {@code redis://127.0.0.1:41234} ({@code rediss://} for a TLS server). */
    public String uri() {
        return (secured != null ? "rediss" : "redis") + "://127.0.0.1:" + port;
    }

    /** True while the process runs. */
    public boolean isRunning() {
        return process.isAlive();
    }

    /**
     * Sends one command in the inline protocol and returns the first line of the reply, e.g.
     * {@code +OK} (for test set-up such as {@code FLUSHALL}; use a real client for replies
     * longer than a line).
     */
    public String command(String inlineCommand) {
        return exchange(inlineCommand, RedisServer::readReplyLine);
    }

    /**
     * Sends one command in the inline protocol and returns its reply as text: a status or error
     * line, or the whole of a bulk string (e.g. {@code CLUSTER INFO}).
     */
    public String commandText(String inlineCommand) {
        return exchange(inlineCommand, in -> {
            String first = readReplyLine(in);
            if (!first.startsWith("$") || first.equals("$-1")) {
                return first;
            }
            byte[] body = in.readNBytes(Integer.parseInt(first.substring(1)));
            return new String(body, StandardCharsets.UTF_8);
        });
    }

    /** Sends one inline command on a fresh connection and reads its reply with {@code reply}. */
    private String exchange(String inlineCommand, ReplyReader reply) {
        try (Socket socket = connect(port, secured, 2_000)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write((inlineCommand + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            return reply.read(socket.getInputStream());
        } catch (IOException e) {
            throw new UncheckedIOException("redis-server on port " + port + " did not answer " + inlineCommand, e);
        }
    }

    @FunctionalInterface
    private interface ReplyReader {
        String read(InputStream in) throws IOException;
    }

    /** Deletes every key. */
    public void flushAll() {
        String reply = command("FLUSHALL");
        if (!reply.startsWith("+OK")) {
            throw new IllegalStateException("FLUSHALL answered " + reply);
        }
    }

    /** Stops the process and removes its directory. Idempotent. */
    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(killOnExit);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook runs anyway
        }
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        deleteRecursively(dir);
    }

    /** Starts redis-server on {@code port} with {@code extraArgs} (e.g. cluster mode) and waits for PING. */
    static RedisServer startOnce(Path executable, int port, List<String> extraArgs) {
        return startOnce(executable, port, newDir(), false, null, extraArgs);
    }

    /** A plain socket, or for a TLS server one that has finished its handshake. */
    private static Socket connect(int port, Secured secured, int timeoutMillis) throws IOException {
        Socket plain = new Socket();
        try {
            plain.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), timeoutMillis);
            if (secured == null) {
                return plain;
            }
            plain.setSoTimeout(timeoutMillis * 5);
            javax.net.ssl.SSLSocket tls = (javax.net.ssl.SSLSocket) secured.files().adminSockets()
                    .createSocket(plain, "localhost", port, true);
            tls.startHandshake();
            return tls;
        } catch (IOException | RuntimeException e) {
            plain.close();
            throw e;
        }
    }

    private static Path newDir() {
        try {
            return Files.createTempDirectory("tidegate-redis-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory for redis-server", e);
        }
    }

    private static RedisServer startOnce(Path executable, int port, Path dir, boolean persistent, Secured secured) {
        return startOnce(executable, port, dir, persistent, secured, secured == null ? List.of() : secured.args());
    }

    private static RedisServer startOnce(Path executable, int port, Path dir, boolean persistent, Secured secured,
                                         List<String> extraArgs) {
        Path log = dir.resolve("redis.log");
        Process process;
        try {
            List<String> command = new java.util.ArrayList<>(List.of(executable.toString(),
                    "--port", secured == null ? Integer.toString(port) : "0",
                    "--bind", "127.0.0.1",
                    "--save", "",
                    "--appendonly", persistent ? "yes" : "no",
                    "--appendfsync", "always",
                    "--dir", dir.toString(),
                    "--daemonize", "no"));
            if (secured != null) {
                command.addAll(List.of("--tls-port", Integer.toString(port)));
            }
            command.addAll(extraArgs);
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
        } catch (IOException e) {
            deleteRecursively(dir);
            throw new IllegalStateException("cannot run " + executable + ": " + e.getMessage(), e);
        }
        RedisServer server = new RedisServer(process, port, dir, persistent, secured);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MILLIS);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                String output = readQuietly(log);
                server.close();
                throw new IllegalStateException("redis-server exited with code " + process.exitValue()
                        + " while starting on port " + port + ":\n" + output);
            }
            if (answersPing(port, secured)) {
                return server;
            }
            sleep(20);
        }
        String output = readQuietly(log);
        server.close();
        throw new IllegalStateException("redis-server did not answer PING on port " + port + " within "
                + START_TIMEOUT_MILLIS + " ms:\n" + output);
    }

    static Path findExecutable() {
        return findExecutable("redis-server", "tidegate.redis-server", "REDIS_SERVER", "redis-server");
    }

    /**
     * An executable named by a system property, else an environment variable, else found on the
     * PATH; throws saying how to install it when none has it.
     */
    static Path findExecutable(String name, String property, String envVar, String debianPackage) {
        String configured = System.getProperty(property, System.getenv(envVar));
        if (configured != null && !configured.isBlank()) {
            Path p = Path.of(configured);
            if (Files.isExecutable(p)) {
                return p;
            }
            throw new IllegalStateException(name + " configured as " + configured + " (" + property + " or "
                    + envVar + ") is not an executable file");
        }
        String path = System.getenv().getOrDefault("PATH", "");
        for (String entry : path.split(java.io.File.pathSeparator)) {
            if (entry.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(entry, name);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException(name + " is not on PATH (" + path + "); the Redis backend tests need a "
                + "real Redis 7: install it (e.g. sudo apt-get install -y " + debianPackage + ") or point " + envVar
                + " at the executable");
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }

    private static boolean answersPing(int port, Secured secured) {
        try (Socket socket = connect(port, secured, 200)) {
            socket.setSoTimeout(1_000);
            socket.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            return readReplyLine(socket.getInputStream()).equals("+PONG");
        } catch (IOException e) {
            return false;
        }
    }

    private static String readReplyLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }

    static String readQuietly(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(no output: " + e.getMessage() + ")";
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for redis-server", e);
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a leftover temp directory is harmless
        }
    }
}
