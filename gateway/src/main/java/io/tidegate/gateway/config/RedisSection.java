package io.tidegate.gateway.config;

import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisURI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads {@code backend.redis.*}: where Redis is, how to log in (ACL user and password, in the
 * URI or beside it) and TLS ({@code rediss://} with CA and client certificate files). Checks
 * that the settings fit together; reading the files is left to the connector, at start-up.
 * Stateless.
 */
final class RedisSection {

    private static final String DOCS = "see docs/redis.md";

    private RedisSection() {
    }

    static GatewayConfig.Redis read(ConfigLoader.Reader r) {
        var tls = new GatewayConfig.RedisTls(
                r.string("backend.redis.tls.ca-file").trim(),
                r.string("backend.redis.tls.cert-file").trim(),
                r.string("backend.redis.tls.key-file").trim());
        var redis = new GatewayConfig.Redis(
                uri(r.string("backend.redis.uri").trim()),
                r.string("backend.redis.key-prefix"),
                r.durationIn("backend.redis.reclaim-interval", Duration.ofMillis(10), Duration.ofMinutes(10)),
                r.durationIn("backend.redis.block-timeout", Duration.ofMillis(10), Duration.ofMinutes(1)),
                r.intIn("backend.redis.read-count", 1, 100_000),
                r.intIn("backend.redis.shared-readers", 0, 256),
                clusterNodes(r.string("backend.redis.cluster-nodes")),
                r.string("backend.redis.username").trim(),
                r.string("backend.redis.password-file").trim(),
                tls);
        if (!redis.uri().isBlank() && redis.isCluster()) {
            throw new InvalidConfigException("backend.redis.uri and backend.redis.cluster-nodes are both set; set uri for "
                    + "one standalone Redis or cluster-nodes for a Redis Cluster, not both");
        }
        if (!redis.keyPrefix().matches("[A-Za-z0-9_:-]{1,32}")) {
            throw new InvalidConfigException("backend.redis.key-prefix \"" + redis.keyPrefix()
                    + "\" must be 1-32 letters, digits, '_', ':' or '-'");
        }
        if (redis.isCluster() && redis.clusterNodes().stream().map(RedisSection::isTls).distinct().count() > 1) {
            throw new InvalidConfigException("backend.redis.cluster-nodes mix redis:// and rediss://; every node of a "
                    + "cluster is reached the same way: use one scheme for all");
        }
        checkTls(redis);
        checkCredentials(redis);
        return redis;
    }

    private static void checkTls(GatewayConfig.Redis redis) {
        GatewayConfig.RedisTls tls = redis.tls();
        if (tls.certFile().isEmpty() != tls.keyFile().isEmpty()) {
            throw new InvalidConfigException("backend.redis.tls.cert-file and backend.redis.tls.key-file go together: "
                    + "set both (PEM certificate chain and PKCS#8 key) for a client certificate, or neither");
        }
        boolean anyFile = !tls.caFile().isEmpty() || !tls.certFile().isEmpty();
        if (anyFile && redis.isConfigured() && !redis.usesTls()) {
            throw new InvalidConfigException("backend.redis.tls.* is set but the Redis URI uses redis://; write "
                    + "rediss:// to connect over TLS, or leave backend.redis.tls.* empty; " + DOCS);
        }
    }

    private static void checkCredentials(GatewayConfig.Redis redis) {
        List<String> uris = redis.isCluster() ? redis.clusterNodes() : redis.uri().isBlank() ? List.of() : List.of(redis.uri());
        for (String uri : uris) {
            RedisCredentials inUri = credentials(uri);
            boolean uriHasPassword = inUri.hasPassword();
            boolean uriHasUser = inUri.hasUsername();
            String key = redis.isCluster() ? "backend.redis.cluster-nodes" : "backend.redis.uri";
            if (!redis.passwordFile().isEmpty() && uriHasPassword) {
                throw new InvalidConfigException(key + " has a password and backend.redis.password-file is set too; "
                        + "keep one (the file keeps it out of the configuration)");
            }
            if (!redis.username().isEmpty() && uriHasUser) {
                throw new InvalidConfigException(key + " names a user and backend.redis.username is set too; keep one");
            }
        }
        if (!redis.username().isEmpty() && !redis.passwordFile().isEmpty()) {
            return;
        }
        if (!redis.username().isEmpty() && uris.stream().noneMatch(RedisSection::hasPassword)) {
            throw new InvalidConfigException("backend.redis.username is set but no password is: set "
                    + "backend.redis.password-file (a file holding the password) or put it in the URI; " + DOCS);
        }
    }

    private static boolean isTls(String uri) {
        return uri.regionMatches(true, 0, "rediss:", 0, 7);
    }

    private static boolean hasPassword(String uri) {
        return credentials(uri).hasPassword();
    }

    /** The user and password written in a URI (either may be absent). */
    private static RedisCredentials credentials(String uri) {
        RedisCredentials c = RedisURI.create(uri).getCredentialsProvider().resolveCredentials().block();
        return c != null ? c : RedisCredentials.just(null, (char[]) null);
    }

    /** Empty for none; else a checked standalone URI. */
    private static String uri(String value) {
        if (!value.isEmpty()) {
            RedisUriSyntax.check("backend.redis.uri", value, false, false);
        }
        return value;
    }

    /** Comma-separated seed URIs ({@code redis://host:port} or {@code rediss://...}); empty for none. */
    private static List<String> clusterNodes(String value) {
        List<String> nodes = new ArrayList<>();
        for (String part : value.split(",")) {
            String node = part.trim();
            if (node.isEmpty()) {
                continue;
            }
            RedisUriSyntax.check("backend.redis.cluster-nodes: node", node, true, true);
            nodes.add(node);
        }
        return nodes;
    }
}
