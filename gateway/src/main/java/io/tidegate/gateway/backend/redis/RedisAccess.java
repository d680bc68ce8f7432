package io.tidegate.gateway.backend.redis;

import io.lettuce.core.RedisURI;
import io.lettuce.core.SslOptions;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.config.SettingUnusableException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * How the backend reaches Redis: the seed URIs with the login applied (the URI's own user and
 * password, or {@code backend.redis.username} and the password read from
 * {@code backend.redis.password-file}) and, for {@code rediss://}, Lettuce's {@link SslOptions}
 * from the PEM files under {@code backend.redis.tls}. Files are read here first, so a missing or
 * unreadable one stops start-up with a message naming its key; the password file is read again at
 * every reconnect ({@link PasswordFileCredentials}), so a rotated password needs no restart. The
 * password is kept only inside the Lettuce URIs and never put in a message. Public so that the composition root can give the
 * same login to the gateway's other Redis clients (the kill switches). Immutable; any thread.
 *
 * @param ssl the TLS options, or null without TLS
 */
public record RedisAccess(List<RedisURI> seeds, SslOptions ssl, String user) {

    /**
     * @throws IllegalArgumentException when a URI does not parse
     * @throws SettingUnusableException when a configured file cannot be read
     */
    public static RedisAccess of(GatewayConfig.Redis config) {
        String key = config.isCluster() ? "backend.redis.cluster-nodes" : "backend.redis.uri";
        List<String> uris = config.isCluster() ? config.clusterNodes() : List.of(config.uri());
        List<RedisURI> seeds = uris.stream().map(u -> login(parse(u, key), config.username(), config.passwordFile()))
                .toList();
        SslOptions ssl = config.usesTls() ? ssl(config.tls()) : null;
        String user = config.username().isEmpty() ? userIn(seeds.get(0)) : config.username();
        return new RedisAccess(seeds, ssl, user);
    }

    /** Who the backend logs in as, for messages: the ACL user, or {@code default}. */
    String describeUser() {
        return user == null ? "default" : user;
    }

    private static RedisURI login(RedisURI uri, String username, String passwordFile) {
        if (username.isEmpty() && passwordFile.isEmpty()) {
            return uri;
        }
        var inUri = uri.getCredentialsProvider() == null ? null : uri.getCredentialsProvider().resolveCredentials().block();
        String user = !username.isEmpty() ? username : inUri != null && inUri.hasUsername() ? inUri.getUsername() : null;
        RedisURI.Builder b = RedisURI.builder(uri);
        if (!passwordFile.isEmpty()) {
            return b.withAuthentication(new PasswordFileCredentials(user, passwordFile)).build();
        }
        char[] secret = inUri != null && inUri.hasPassword() ? inUri.getPassword() : null;
        return (user == null ? b.withPassword(secret) : b.withAuthentication(user, secret)).build();
    }

    private static String userIn(RedisURI uri) {
        if (uri.getCredentialsProvider() == null) {
            return null;
        }
        var c = uri.getCredentialsProvider().resolveCredentials().block();
        return c != null && c.hasUsername() ? c.getUsername() : null;
    }

    private static SslOptions ssl(GatewayConfig.RedisTls tls) {
        SslOptions.Builder b = SslOptions.builder().jdkSslProvider();
        if (!tls.caFile().isEmpty()) {
            b.trustManager(readable(tls.caFile(), "backend.redis.tls.ca-file").toFile());
        }
        if (tls.hasClientCertificate()) {
            b.keyManager(readable(tls.certFile(), "backend.redis.tls.cert-file").toFile(),
                    readable(tls.keyFile(), "backend.redis.tls.key-file").toFile(), null);
        }
        return b.build();
    }

    private static Path readable(String file, String key) {
        Path path = Path.of(file);
        if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
            throw new SettingUnusableException(key + " \"" + file + "\" is not a readable file"
                    + (Files.exists(path) ? "" : " (it does not exist)") + "; give the path of the PEM or password file", null);
        }
        return path;
    }

    private static RedisURI parse(String uri, String key) {
        try {
            return RedisURI.create(uri);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(key + " is not a Redis URI such as redis://127.0.0.1:6379: "
                    + e.getMessage(), e);
        }
    }
}
