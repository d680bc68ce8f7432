package io.tidegate.gateway.security;

import io.tidegate.gateway.config.GatewayConfig;
import java.time.Clock;

/**
 * What a bearer token proves: a static API token's identity, else a verified JWT's. Thread-safe.
 */
final class BearerTokens {

    private final StaticTokens staticTokens;
    private final JwtVerifier jwt;

    BearerTokens(GatewayConfig.Security config, Clock clock) {
        this.staticTokens = new StaticTokens(config.apiTokens());
        this.jwt = config.jwt().enabled() ? new JwtVerifier(config.jwt(), clock) : null;
    }

    /** True when any token can be accepted. */
    boolean enabled() {
        return jwt != null || !staticTokens.isEmpty();
    }

    Identity verify(String token) throws Refusal {
        Identity identity = staticTokens.find(token);
        if (identity != null) {
            return identity;
        }
        if (jwt != null && looksLikeJwt(token)) {
            return jwt.verify(token);
        }
        throw new Refusal(Refusal.Reason.UNKNOWN_TOKEN, jwt == null ? "the bearer token is not a known API token"
                : "the bearer token is neither a known API token nor a JWT");
    }

    void reload() {
        if (jwt != null) {
            jwt.reload();
        }
    }

    /** Three base64url parts: header.payload.signature. */
    private static boolean looksLikeJwt(String token) {
        int first = token.indexOf('.');
        return first > 0 && token.indexOf('.', first + 1) > first + 1 && token.chars().filter(c -> c == '.').count() == 2;
    }
}
