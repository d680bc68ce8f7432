package io.tidegate.gateway.backend.redis;

import io.lettuce.core.RedisURI;
import io.lettuce.core.SslOptions;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.config.SettingUnusableException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * How the backend reaches Redis: the seed URIs with the login applied (the URI's own user and
 * password, or {@code backend.redis.username} and the password read from
 * {@code backend.redis.password-file}) and, for {@code rediss://}, Lettuce's {@link SslOptions}
 * from the PEM files under {@code backend.redis.tls}. Files are read once, here, so a missing or
 * unreadable one stops start-up with a message naming its key. The password is kept only inside
 * the Lettuce URIs and never put in a message. Public so that the composition root can give the
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
        char[] password = config.passwordFile().isEmpty() ? null : readPassword(config.passwordFile());
        List<RedisURI> seeds = uris.stream().map(u -> login(parse(u, key), config.username(), password)).toList();
        SslOptions ssl = config.usesTls() ? ssl(config.tls()) : null;
        String user = config.username().isEmpty() ? userIn(seeds.get(0)) : config.username();
        return new RedisAccess(seeds, ssl, user);
    }

    /** Who the backend logs in as, for messages: the ACL user, or {@code default}. */
    String describeUser() {
        return user == null ? "default" : user;
    }

    private static RedisURI login(RedisURI uri, String username, char[] password) {
        if (username.isEmpty() && password == null) {
            return uri;
        }
        var inUri = uri.getCredentialsProvider() == null ? null : uri.getCredentialsProvider().resolveCredentials().block();
        String user = !username.isEmpty() ? username : inUri != null && inUri.hasUsername() ? inUri.getUsername() : null;
        char[] secret = password != null ? password : inUri != null && inUri.hasPassword() ? inUri.getPassword() : null;
        RedisURI.Builder b = RedisURI.builder(uri);
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

    private static char[] readPassword(String file) {
        String text;
        try {
            text = Files.readString(readable(file, "backend.redis.password-file"), StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            if (e instanceof SettingUnusableException s) {
                throw s;
            }
            throw new SettingUnusableException("backend.redis.password-file \"" + file + "\" cannot be read: "
                    + e.getClass().getSimpleName() + "; give a readable UTF-8 file holding the password", e);
        }
        // an editor or `echo` leaves a line break; it is never part of the password
        String password = text.endsWith("\r\n") ? text.substring(0, text.length() - 2)
                : text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
        if (password.isEmpty()) {
            throw new SettingUnusableException("backend.redis.password-file \"" + file + "\" is empty; write the "
                    + "Redis user's password in it", null);
        }
        return password.toCharArray();
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
