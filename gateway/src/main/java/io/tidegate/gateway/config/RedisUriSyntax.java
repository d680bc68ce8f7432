package io.tidegate.gateway.config;

import io.lettuce.core.RedisURI;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks one Redis URI the way the gateway accepts it, before anything connects:
 * {@code redis[s]://[[user]:password@]host[:port][/database]}. Each failure is one line naming
 * the key, the value and what is allowed. Stateless.
 */
final class RedisUriSyntax {

    /** scheme://[userinfo@]host[:port][/path][?query][#fragment], each part captured raw. */
    private static final Pattern SHAPE = Pattern.compile(
            "([A-Za-z][A-Za-z0-9+.-]*)://(?:([^@/?#]*)@)?(\\[[^\\]/?#]*\\]|[^:/?#\\[\\]]*)(?::([^/?#]*))?([^?#]*)(\\?[^#]*)?(#.*)?");
    private static final Pattern HOST_NAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?");
    private static final Pattern IPV6 = Pattern.compile("\\[[0-9A-Fa-f:.]+(%[A-Za-z0-9._-]+)?\\]");
    private static final String FORM = "redis://[[user]:password@]host[:port][/database] (rediss:// for TLS), "
            + "e.g. redis://127.0.0.1:6379";

    private RedisUriSyntax() {
    }

    /**
     * @param key          the config key, for the message
     * @param requirePort  cluster seeds name their port; a standalone URI defaults to 6379
     * @param onlyDatabase0 Redis Cluster has database 0 only
     * @throws InvalidConfigException naming the key and what is wrong
     */
    static void check(String key, String uri, boolean requirePort, boolean onlyDatabase0) {
        Matcher m = SHAPE.matcher(uri);
        if (!m.matches()) {
            throw bad(key, uri, "is not a URL");
        }
        String scheme = m.group(1).toLowerCase(Locale.ROOT);
        if (!scheme.equals("redis") && !scheme.equals("rediss")) {
            throw bad(key, uri, "has scheme \"" + m.group(1) + "\"; the scheme must be redis or rediss");
        }
        checkUserInfo(key, uri, m.group(2));
        String host = m.group(3);
        if (host.isEmpty()) {
            throw bad(key, uri, "names no host");
        }
        if (!HOST_NAME.matcher(host).matches() && !IPV6.matcher(host).matches()) {
            throw bad(key, uri, "has host \"" + host + "\", which is not a host name or IP address");
        }
        checkPort(key, uri, m.group(4), requirePort);
        checkDatabase(key, uri, m.group(5), onlyDatabase0);
        if (m.group(6) != null || m.group(7) != null) {
            throw bad(key, uri, "has a query or fragment; the gateway sets timeouts itself and takes the database "
                    + "from the path, e.g. redis://127.0.0.1:6379/2");
        }
        try {
            RedisURI.create(uri);
        } catch (RuntimeException e) {
            throw bad(key, uri, "is refused by the Redis client: " + e.getMessage());
        }
    }

    private static void checkUserInfo(String key, String uri, String userInfo) {
        if (userInfo == null) {
            return;
        }
        int colon = userInfo.indexOf(':');
        String password = colon < 0 ? userInfo : userInfo.substring(colon + 1);
        if (password.isEmpty()) {
            throw bad(key, uri, "has an empty password before '@'; write redis://:password@host:port or "
                    + "redis://user:password@host:port, or leave out the '@' part");
        }
        if (userInfo.matches(".*%(?![0-9A-Fa-f]{2}).*")) {
            throw bad(key, uri, "has a malformed %-escape in its user or password; escape '%' as %25");
        }
    }

    private static void checkPort(String key, String uri, String port, boolean required) {
        if (port == null || port.isEmpty()) {
            if (required) {
                throw bad(key, uri, "names no port; a cluster seed needs one, e.g. redis://10.0.0.1:7000");
            }
            if (port != null) {
                throw bad(key, uri, "has an empty port after ':'; give a port from 1 to 65535 or leave out the ':'");
            }
            return;
        }
        long value = port.matches("\\d{1,9}") ? Long.parseLong(port) : -1;
        if (value < 1 || value > 65535) {
            throw bad(key, uri, "has port \"" + port + "\"; the port must be from 1 to 65535");
        }
    }

    private static void checkDatabase(String key, String uri, String path, boolean onlyDatabase0) {
        if (path.isEmpty() || path.equals("/")) {
            return;
        }
        String db = path.substring(1);
        if (!db.matches("\\d{1,9}")) {
            throw bad(key, uri, "has path \"" + path + "\"; the path can only be a database number, e.g. /0");
        }
        if (onlyDatabase0 && Integer.parseInt(db) != 0) {
            throw bad(key, uri, "selects database " + db + "; Redis Cluster has database 0 only");
        }
    }

    private static InvalidConfigException bad(String key, String uri, String why) {
        return new InvalidConfigException(key + " \"" + redact(uri) + "\" " + why + "; expected " + FORM);
    }

    /** Never print a password back. */
    private static String redact(String uri) {
        return uri.replaceFirst("^([A-Za-z][A-Za-z0-9+.-]*://)([^@/?#]*):([^@/?#]*)@", "$1$2:***@")
                .replaceFirst("^([A-Za-z][A-Za-z0-9+.-]*://)([^:@/?#]+)@", "$1***@");
    }
}
