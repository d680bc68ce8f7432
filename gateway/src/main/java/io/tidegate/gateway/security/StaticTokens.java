package io.tidegate.gateway.security;

import io.tidegate.gateway.config.GatewayConfig;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;

/**
 * The static API tokens of {@code security.api-tokens}: only their SHA-256 is configured, so a
 * leaked configuration leaks no token. A token is looked up by its hash; timing can reveal at
 * most something about the hash, which does not help to forge a token. Immutable; thread-safe.
 */
final class StaticTokens {

    private final Map<String, Identity> byHash = new HashMap<>();

    StaticTokens(Map<String, GatewayConfig.ApiToken> tokens) {
        for (GatewayConfig.ApiToken t : tokens.values()) {
            byHash.put(t.sha256(), new Identity(t.identity(), Set.copyOf(t.roles()), Identity.Source.API_TOKEN));
        }
    }

    boolean isEmpty() {
        return byHash.isEmpty();
    }

    /** The identity of this token, or null when it is not one of them. */
    Identity find(String token) {
        return byHash.get(sha256Hex(token));
    }

    static String sha256Hex(String token) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(digest.digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
