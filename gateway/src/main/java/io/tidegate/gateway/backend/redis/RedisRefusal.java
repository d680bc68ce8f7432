package io.tidegate.gateway.backend.redis;

import io.tidegate.gateway.config.SettingUnusableException;

/**
 * Tells a Redis that refuses the gateway's login, its commands or its TLS handshake from one that
 * is merely unreachable: the first are configuration mistakes that retrying cannot fix, so they
 * become one {@link SettingUnusableException} saying which setting to change, instead of a
 * connection retried forever. Stateless.
 */
final class RedisRefusal {

    static final String DOCS = "see docs/redis.md#authentication-and-tls";

    private RedisRefusal() {
    }

    /**
     * The refusal behind {@code failure}, explained; null when the failure is of another kind
     * (Redis down, a timeout), which the caller may retry.
     *
     * @param setting the key that names Redis ({@code backend.redis.uri} or {@code .cluster-nodes})
     */
    static SettingUnusableException explain(Throwable failure, RedisConnector connector, String setting, String keyPrefix) {
        String where = "Redis at " + connector.address();
        String user = connector.user();
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = String.valueOf(t.getMessage());
            if (message.startsWith("WRONGPASS") || message.startsWith("NOAUTH") || message.contains("invalid password")
                    || message.startsWith("ERR AUTH")) {
                return new SettingUnusableException("backend.redis: " + where + " refused the login of user \"" + user
                        + "\" (" + firstLine(message) + "); check backend.redis.username and backend.redis.password-file"
                        + " (or the user:password in " + setting + ") against the user Redis has (ACL LIST); " + DOCS,
                        failure);
            }
            if (message.startsWith("NOPERM")) {
                return new SettingUnusableException("backend.redis: " + where + " lets user \"" + user + "\" log in but "
                        + "refuses what Tidegate needs (" + firstLine(message) + "); grant it the Tidegate ACL: "
                        + RedisAclRules.setUser(user, keyPrefix) + "; " + DOCS, failure);
            }
            if (t instanceof javax.net.ssl.SSLException || t instanceof java.security.cert.CertificateException) {
                return new SettingUnusableException("backend.redis.tls: the TLS handshake with " + where + " failed ("
                        + firstLine(message) + "); check that backend.redis.tls.ca-file holds the CA that signed Redis' "
                        + "certificate, that the host in " + setting + " is named in that certificate, and that "
                        + "backend.redis.tls.cert-file and key-file are set when Redis has tls-auth-clients yes; " + DOCS,
                        failure);
            }
        }
        return null;
    }

    private static String firstLine(String message) {
        String line = message.lines().findFirst().orElse("").trim();
        return line.length() <= 200 ? line : line.substring(0, 200) + "...";
    }
}
