package io.tidegate.gateway.config;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads {@code security.*} and the admin port's {@code http.*}, and decides where the listeners
 * may bind: a gateway without TLS and authentication listens on loopback only, unless
 * {@code security.allow-insecure-bind}. Stateless.
 */
final class SecuritySection {

    private static final String API_TOKENS = "security.api-tokens";
    private static final String CLIENT_ROLES = "security.tls.client-roles";
    private static final String DOCS = "see docs/security.md";

    private SecuritySection() {
    }

    /** Keys below these are names chosen by the operator, checked here rather than against reference.conf. */
    static boolean hasFreeKeys(String key) {
        return key.startsWith(API_TOKENS + ".") || key.startsWith(CLIENT_ROLES + ".");
    }

    static GatewayConfig.Security read(ConfigLoader.Reader r) {
        var tls = tls(r);
        var jwt = jwt(r);
        var security = new GatewayConfig.Security(r.bool("security.require"), r.bool("security.allow-insecure-bind"),
                tls, jwt, apiTokens(r), acl(r));
        if (security.require() && !security.secure()) {
            throw new InvalidConfigException("security.require is true but the gateway has "
                    + (tls.enabled() ? "" : "no TLS (security.tls.cert-chain-file)")
                    + (!tls.enabled() && !security.authEnabled() ? " and " : "")
                    + (security.authEnabled() ? "" : "no authentication (security.jwt.*, security.api-tokens or "
                    + "security.tls.client-auth)") + "; configure them or set security.require=false; " + DOCS);
        }
        return security;
    }

    /**
     * The address a listener binds: empty means every interface when the listener is secured,
     * else 127.0.0.1; a non-loopback address for an unsecured listener only with
     * {@code security.allow-insecure-bind}.
     */
    static String listenHost(ConfigLoader.Reader r, String key, boolean secured, GatewayConfig.Security security) {
        String configured = r.string(key).trim();
        if (configured.isEmpty()) {
            return secured ? "0.0.0.0" : "127.0.0.1";
        }
        String host = r.host(key);
        if (!secured && !GatewayConfig.isLoopback(host) && !security.allowInsecureBind()) {
            throw new InvalidConfigException(key + " \"" + host + "\" is not a loopback address, and this listener "
                    + "has no TLS and authentication: anyone who reaches it could use it. Configure security.tls and "
                    + "authentication (" + DOCS + "), listen on 127.0.0.1, or set security.allow-insecure-bind=true "
                    + "to accept the risk");
        }
        return host;
    }

    static GatewayConfig.Http http(ConfigLoader.Reader r, GatewayConfig.Security security) {
        String authName = r.string("http.auth");
        GatewayConfig.AdminAuth auth;
        try {
            auth = GatewayConfig.AdminAuth.valueOf(authName.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigException("http.auth \"" + authName + "\" is not one of none, token, mtls");
        }
        if (auth == GatewayConfig.AdminAuth.TOKEN && !security.tokensEnabled()) {
            throw new InvalidConfigException("http.auth is token but no tokens are configured; set security.jwt.* or "
                    + "security.api-tokens, or use http.auth=mtls; " + DOCS);
        }
        if (auth == GatewayConfig.AdminAuth.MTLS
                && (!security.tls().enabled() || security.tls().clientCaFile().isBlank())) {
            throw new InvalidConfigException("http.auth is mtls but security.tls.cert-chain-file and "
                    + "security.tls.client-ca-file are not both set; " + DOCS);
        }
        int port = r.intIn("http.port", -1, 65535);
        boolean secured = security.tls().enabled() && auth != GatewayConfig.AdminAuth.NONE;
        if (security.require() && port >= 0 && !secured) {
            throw new InvalidConfigException("security.require is true but the admin port (http.port " + port
                    + ") has " + (security.tls().enabled() ? "http.auth=none" : "no TLS")
                    + "; set http.auth=token or mtls, or http.port=-1; " + DOCS);
        }
        String role = r.string("http.auth-role").trim();
        return new GatewayConfig.Http(listenHost(r, "http.host", secured, security), port, auth, role);
    }

    private static GatewayConfig.Acl acl(ConfigLoader.Reader r) {
        String file = r.string("security.acl.file").trim();
        ConfigValue rules = r.c().getValue("security.acl.rules");
        if (rules.valueType() == ConfigValueType.STRING) {
            // from a flag or environment variable: the list as HOCON or JSON text
            try {
                rules = com.typesafe.config.ConfigFactory.parseString("rules = " + rules.unwrapped()).getValue("rules");
            } catch (ConfigException e) {
                throw new InvalidConfigException("security.acl.rules cannot be parsed: " + e.getMessage());
            }
        }
        if (rules.valueType() != ConfigValueType.LIST) {
            throw new InvalidConfigException("security.acl.rules must be a list of rules, e.g. [ { who = \"role:trader\", "
                    + "publish-allow = [\"exec.commands.>\"] } ]; " + DOCS);
        }
        boolean inline = !((com.typesafe.config.ConfigList) rules).isEmpty();
        if (!file.isEmpty() && inline) {
            throw new InvalidConfigException("security.acl.file and security.acl.rules are both set; the file replaces "
                    + "the inline rules: keep one");
        }
        return new GatewayConfig.Acl(r.bool("security.acl.enabled"), file,
                rules.render(com.typesafe.config.ConfigRenderOptions.concise()));
    }

    private static GatewayConfig.Tls tls(ConfigLoader.Reader r) {
        String chain = r.string("security.tls.cert-chain-file").trim();
        String key = r.string("security.tls.private-key-file").trim();
        String ca = r.string("security.tls.client-ca-file").trim();
        if (chain.isEmpty() != key.isEmpty()) {
            throw new InvalidConfigException("security.tls.cert-chain-file and security.tls.private-key-file go "
                    + "together: set both (PEM files) for TLS, or neither");
        }
        var clientAuth = choice(r, "security.tls.client-auth", GatewayConfig.ClientAuth.class, "none, optional, require");
        if (clientAuth != GatewayConfig.ClientAuth.NONE && (chain.isEmpty() || ca.isEmpty())) {
            throw new InvalidConfigException("security.tls.client-auth is " + clientAuth.name().toLowerCase(Locale.ROOT)
                    + " but TLS (security.tls.cert-chain-file) or security.tls.client-ca-file is not set");
        }
        var identity = choice(r, "security.tls.client-identity", GatewayConfig.ClientIdentity.class, "san-uri, san-dns, cn");
        return new GatewayConfig.Tls(chain, key, ca, clientAuth, identity, clientRoles(r),
                r.durationIn("security.tls.reload-interval", Duration.ofMillis(100), Duration.ofHours(24)));
    }

    private static GatewayConfig.Jwt jwt(ConfigLoader.Reader r) {
        var jwt = new GatewayConfig.Jwt(
                r.string("security.jwt.jwks-file").trim(),
                r.string("security.jwt.hmac-secret"),
                r.string("security.jwt.issuer").trim(),
                r.string("security.jwt.audience").trim(),
                r.string("security.jwt.identity-claim").trim(),
                r.string("security.jwt.roles-claim").trim(),
                r.durationIn("security.jwt.clock-skew", Duration.ZERO, Duration.ofMinutes(10)));
        if (!jwt.jwksFile().isEmpty() && !jwt.hmacSecret().isEmpty()) {
            throw new InvalidConfigException("security.jwt.jwks-file and security.jwt.hmac-secret are both set; "
                    + "tokens are verified against one of them: keep one");
        }
        if (!jwt.hmacSecret().isEmpty() && jwt.hmacSecret().getBytes(java.nio.charset.StandardCharsets.UTF_8).length < 32) {
            throw new InvalidConfigException("security.jwt.hmac-secret is shorter than 32 bytes (HS256 needs at least "
                    + "256 bits); use e.g. the output of: openssl rand -hex 32");
        }
        if (jwt.identityClaim().isEmpty()) {
            throw new InvalidConfigException("security.jwt.identity-claim is empty; e.g. sub");
        }
        return jwt;
    }

    private static Map<String, GatewayConfig.ApiToken> apiTokens(ConfigLoader.Reader r) {
        Map<String, GatewayConfig.ApiToken> tokens = new LinkedHashMap<>();
        Map<String, String> identityByHash = new HashMap<>();
        for (Map.Entry<String, ConfigValue> e : object(r, API_TOKENS,
                API_TOKENS + " { \"risk-monitor\" { sha256 = \"<64 hex digits>\", roles = [monitor] } }").entrySet()) {
            String identity = e.getKey();
            String prefix = ConfigUtil.joinPath("security", "api-tokens", identity);
            if (e.getValue().valueType() != ConfigValueType.OBJECT) {
                throw new InvalidConfigException(prefix + " must be an object { sha256 = \"...\", roles = [...] }");
            }
            checkIdentityName(prefix, identity);
            for (String key : ((ConfigObject) e.getValue()).keySet()) {
                if (!key.equals("sha256") && !key.equals("roles")) {
                    throw new InvalidConfigException("unknown config key \"" + prefix + "." + key
                            + "\"; an API token has sha256 and roles");
                }
            }
            String hash = r.string(prefix + ".sha256").trim().toLowerCase(Locale.ROOT);
            if (!hash.matches("[0-9a-f]{64}")) {
                throw new InvalidConfigException(prefix + ".sha256 must be 64 hex digits, the SHA-256 of the token: "
                        + "printf %s \"$TOKEN\" | sha256sum");
            }
            String other = identityByHash.put(hash, identity);
            if (other != null) {
                throw new InvalidConfigException(prefix + ".sha256 is the same as that of security.api-tokens."
                        + other + "; each identity needs a token of its own");
            }
            List<String> roles = r.c().hasPath(prefix + ".roles") ? stringList(r, prefix + ".roles") : List.of();
            tokens.put(identity, new GatewayConfig.ApiToken(hash, identity, roles));
        }
        return tokens;
    }

    private static Map<String, List<String>> clientRoles(ConfigLoader.Reader r) {
        Map<String, List<String>> roles = new LinkedHashMap<>();
        for (Map.Entry<String, ConfigValue> e : object(r, CLIENT_ROLES,
                CLIENT_ROLES + " { \"spiffe://example.org/strategy-a\" = [trader] }").entrySet()) {
            String prefix = ConfigUtil.joinPath("security", "tls", "client-roles", e.getKey());
            checkIdentityName(prefix, e.getKey());
            roles.put(e.getKey(), stringList(r, prefix));
        }
        return roles;
    }

    private static void checkIdentityName(String prefix, String name) {
        if (name.isEmpty() || name.length() > 256) {
            throw new InvalidConfigException(prefix + ": an identity name is 1-256 characters");
        }
    }

    private static ConfigObject object(ConfigLoader.Reader r, String key, String example) {
        try {
            return r.c().getObject(key);
        } catch (ConfigException e) {
            throw new InvalidConfigException(key + " must be an object, e.g. " + example);
        }
    }

    /** A list, or (from a flag or environment variable) one string of names separated by commas or spaces. */
    private static List<String> stringList(ConfigLoader.Reader r, String key) {
        try {
            List<String> values = new ArrayList<>();
            List<String> raw = r.c().getValue(key).valueType() == ConfigValueType.STRING
                    ? List.of(r.c().getString(key).replaceAll("^\\s*\\[|]\\s*$", "").trim().split("[,\\s]+"))
                    : r.c().getStringList(key);
            for (String v : raw) {
                if (v.isEmpty() && raw.size() == 1) {
                    break; // "" or "[]": no roles
                }
                if (v.isBlank()) {
                    throw new InvalidConfigException(key + " has an empty role name");
                }
                values.add(v.trim());
            }
            return values;
        } catch (ConfigException e) {
            throw new InvalidConfigException(key + " must be a list of role names, e.g. [trader, monitor]");
        }
    }

    private static <E extends Enum<E>> E choice(ConfigLoader.Reader r, String key, Class<E> type, String allowed) {
        String v = r.string(key);
        try {
            return Enum.valueOf(type, v.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigException(key + " \"" + v + "\" is not one of " + allowed);
        }
    }
}
