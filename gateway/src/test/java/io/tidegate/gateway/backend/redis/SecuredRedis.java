package io.tidegate.gateway.backend.redis;

import io.tidegate.testkit.RedisServer;
import io.tidegate.testkit.RedisTlsFiles;
import io.tidegate.testkit.TestPki;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A real redis-server that speaks TLS only, requires a client certificate and has the Tidegate
 * ACL user ({@link RedisAclRules} for prefix {@code tg}), with the files a gateway needs to log
 * in: CA, client certificate and key, and a password file. Not thread-safe; close it after use.
 */
public final class SecuredRedis implements AutoCloseable {

    public static final String USER = "tidegate";
    public static final String PASSWORD = "s3cret-Redis-pw";

    public final RedisServer server;
    public final RedisTlsFiles files;
    public final Path passwordFile;

    /** Starts the server with the Tidegate user and {@code extraUsers} (ACL SETUSER rule lists). */
    public SecuredRedis(Path dir, String... extraUsers) {
        try {
            this.files = RedisTlsFiles.create(new TestPki("redis-test-ca"), dir.resolve("tls"));
            this.passwordFile = Files.writeString(dir.resolve("redis-password"), PASSWORD + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        List<String> users = new ArrayList<>();
        users.add(USER + " on >" + PASSWORD + " " + String.join(" ", RedisAclRules.rules("tg")));
        users.addAll(List.of(extraUsers));
        this.server = RedisServer.startTls(files, true, users.toArray(String[]::new));
    }

    /** The settings that log in as the Tidegate user over TLS with a client certificate. */
    public List<String> overrides() {
        return List.of("backend.type=redis",
                "backend.redis.uri=" + server.uri(),
                "backend.redis.username=" + USER,
                "backend.redis.password-file=" + passwordFile,
                "backend.redis.tls.ca-file=" + files.caFile(),
                "backend.redis.tls.cert-file=" + files.clientCertFile(),
                "backend.redis.tls.key-file=" + files.clientKeyFile());
    }

    @Override
    public void close() {
        server.close();
    }
}
