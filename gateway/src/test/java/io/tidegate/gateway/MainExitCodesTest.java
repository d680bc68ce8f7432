package io.tidegate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import io.tidegate.gateway.backend.redis.SecuredRedis;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Main} in a child JVM, as users run it: a configuration mistake ends it with exit code 2
 * and one stderr line naming the key; a setting the machine refuses at start (a port in use)
 * with exit code 3 and one line; neither prints a stack trace.
 */
class MainExitCodesTest {

    private record Exit(int code, List<String> stderr) {
    }

    private static Exit run(String... flags) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElse("java"),
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(Arrays.asList(flags));
        Process p = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        byte[] err = p.getErrorStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("gateway still running: " + new String(err, StandardCharsets.UTF_8));
        }
        List<String> lines = new String(err, StandardCharsets.UTF_8).lines().toList();
        System.err.println("[main exit " + p.exitValue() + "] " + String.join("\n", lines));
        return new Exit(p.exitValue(), lines);
    }

    @Test
    void aMalformedRedisUriExitsWithCode2AndOneLineNamingTheKey() throws Exception {
        Exit exit = run("--backend.redis.uri=notaurl");
        assertThat(exit.code()).isEqualTo(2);
        assertThat(exit.stderr()).hasSize(1);
        assertThat(exit.stderr().get(0)).startsWith("tidegate: invalid configuration: backend.redis.uri \"notaurl\"");
    }

    @Test
    void aRedisUriWithAnOutOfRangePortExitsWithCode2() throws Exception {
        Exit exit = run("--backend.redis.uri=redis://127.0.0.1:99999");
        assertThat(exit.code()).isEqualTo(2);
        assertThat(exit.stderr()).singleElement().asString()
                .contains("backend.redis.uri").contains("the port must be from 1 to 65535");
    }

    @Test
    void anUnknownDispatchPolicyExitsWithCode2AndOneLineNamingTheKey() throws Exception {
        Exit exit = run("--dispatch.policy=smart");
        assertThat(exit.code()).isEqualTo(2);
        assertThat(exit.stderr()).singleElement().asString()
                .contains("dispatch.policy").contains("fifo, strict, weighted or learned");
    }

    @Test
    void aGrpcPortInUseExitsWithCode3AndOneLineNamingTheKey() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Exit exit = run("--grpc.host=127.0.0.1", "--grpc.port=" + taken.getLocalPort(), "--http.port=-1");
            assertThat(exit.code()).isEqualTo(3);
            assertThat(exit.stderr()).noneMatch(line -> line.startsWith("\tat ") || line.contains("Exception"));
            assertThat(exit.stderr()).filteredOn(line -> line.startsWith("tidegate:")).singleElement().asString()
                    .startsWith("tidegate: cannot start: grpc.host/grpc.port: cannot listen on 127.0.0.1:"
                            + taken.getLocalPort());
        }
    }

    @Test
    void anAdminPortInUseExitsWithCode3AndOneLineNamingTheKey() throws IOException, Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Exit exit = run("--grpc.host=127.0.0.1", "--grpc.port=0", "--http.host=127.0.0.1",
                    "--http.port=" + taken.getLocalPort());
            assertThat(exit.code()).isEqualTo(3);
            assertThat(exit.stderr()).noneMatch(line -> line.startsWith("\tat ") || line.contains("Exception"));
            assertThat(exit.stderr()).filteredOn(line -> line.startsWith("tidegate:")).singleElement().asString()
                    .startsWith("tidegate: cannot start: http.host/http.port: cannot listen on 127.0.0.1:"
                            + taken.getLocalPort());
        }
    }

    @Test
    void securityRequireWithoutTlsAndAuthenticationExitsWithCode2() throws Exception {
        Exit exit = run("--grpc.port=0", "--http.port=-1", "--security.require=true");
        assertThat(exit.code()).isEqualTo(2);
        assertThat(exit.stderr()).singleElement().asString()
                .startsWith("tidegate: invalid configuration: security.require is true but the gateway has no TLS");
    }

    @Test
    void aCertificateFileThatCannotBeReadExitsWithCode3NamingTheKey() throws Exception {
        Exit exit = run("--grpc.port=0", "--http.port=-1", "--security.tls.cert-chain-file=/nonexistent/server.pem",
                "--security.tls.private-key-file=/nonexistent/server.key");
        assertThat(exit.code()).isEqualTo(3);
        assertThat(exit.stderr()).noneMatch(line -> line.startsWith("\tat "));
        assertThat(exit.stderr()).filteredOn(line -> line.startsWith("tidegate:")).singleElement().asString()
                .startsWith("tidegate: cannot start: security.tls.cert-chain-file/private-key-file: cannot load");
    }

    @Test
    void aWrongRedisPasswordExitsWithCode3AndOneLineSayingWhatToCheck(@TempDir Path dir) throws Exception {
        try (SecuredRedis redis = new SecuredRedis(dir)) {
            Path wrong = Files.writeString(dir.resolve("wrong-password"), "wrong-redis-password");
            List<String> flags = new ArrayList<>(List.of("--grpc.host=127.0.0.1", "--grpc.port=0", "--http.port=-1",
                    "--resilience.spool.dir=" + dir.resolve("spool")));
            redis.overrides().forEach(o -> flags.add("--" + o));
            flags.add("--backend.redis.password-file=" + wrong);
            Exit exit = run(flags.toArray(String[]::new));
            assertThat(exit.code()).isEqualTo(3);
            assertThat(exit.stderr()).noneMatch(line -> line.startsWith("\tat ") || line.contains("wrong-redis-password"));
            assertThat(exit.stderr()).filteredOn(line -> line.startsWith("tidegate:")).singleElement().asString()
                    .startsWith("tidegate: cannot start: backend.redis: Redis at 127.0.0.1:" + redis.server.port()
                            + " refused the login of user \"tidegate\"");
        }
    }
}
