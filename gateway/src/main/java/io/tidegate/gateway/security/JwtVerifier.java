package io.tidegate.gateway.security;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.ImmutableSecret;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import io.tidegate.gateway.config.GatewayConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Verifies bearer JWTs with nimbus-jose-jwt: the signature against the JWKS file (swapped in
 * whole when the file changes) or the HMAC secret, then {@code exp} (required), {@code nbf}
 * (both with {@code clock-skew} leeway), {@code iss} and {@code aud} when configured. The
 * identity is the identity claim; the roles come from the roles claim (a list of strings or one
 * space-separated string). Thread-safe: the processor is swapped atomically.
 */
final class JwtVerifier {

    private static final Set<JWSAlgorithm> ASYMMETRIC;

    static {
        Set<JWSAlgorithm> algorithms = new HashSet<>();
        algorithms.addAll(JWSAlgorithm.Family.RSA);
        algorithms.addAll(JWSAlgorithm.Family.EC);
        algorithms.addAll(JWSAlgorithm.Family.ED);
        ASYMMETRIC = Set.copyOf(algorithms);
    }

    private final GatewayConfig.Jwt config;
    private final Clock clock;
    private final WatchedFiles jwksFile;
    private volatile DefaultJWTProcessor<SecurityContext> processor;

    JwtVerifier(GatewayConfig.Jwt config, Clock clock) {
        this.config = config;
        this.clock = clock;
        if (!config.hmacSecret().isEmpty()) {
            this.jwksFile = null;
            this.processor = processor(new JWSVerificationKeySelector<>(JWSAlgorithm.Family.HMAC_SHA,
                    new ImmutableSecret<>(config.hmacSecret().getBytes(StandardCharsets.UTF_8))));
        } else {
            Path file = Path.of(config.jwksFile());
            this.jwksFile = new WatchedFiles("security.jwt.jwks-file", List.of(file), () -> loadJwks(file));
            try {
                jwksFile.loadNow();
            } catch (Exception e) {
                throw new IllegalArgumentException("security.jwt.jwks-file: cannot load " + file + ": " + e.getMessage(), e);
            }
        }
    }

    /** Loads the JWKS file again when it changed; never throws. */
    void reload() {
        if (jwksFile != null) {
            jwksFile.check();
        }
    }

    private void loadJwks(Path file) throws Exception {
        JWKSet set = JWKSet.parse(Files.readString(file));
        if (set.getKeys().isEmpty()) {
            throw new ParseException("the key set has no keys", 0);
        }
        processor = processor(new JWSVerificationKeySelector<>(ASYMMETRIC, new ImmutableJWKSet<>(set)));
    }

    private static DefaultJWTProcessor<SecurityContext> processor(JWSVerificationKeySelector<SecurityContext> keys) {
        DefaultJWTProcessor<SecurityContext> p = new DefaultJWTProcessor<>();
        p.setJWSKeySelector(keys);
        // claims are checked below, one reason each, so the caller learns what is wrong
        p.setJWTClaimsSetVerifier((claims, context) -> { });
        return p;
    }

    Identity verify(String token) throws Refusal {
        JWTClaimsSet claims;
        try {
            claims = processor.process(token, null);
        } catch (ParseException e) {
            throw new Refusal(Refusal.Reason.MALFORMED_TOKEN, "the bearer token is not a valid JWT");
        } catch (BadJOSEException e) {
            throw new Refusal(Refusal.Reason.BAD_SIGNATURE, "the JWT's signature does not verify against the "
                    + "configured keys (wrong key, key id or algorithm)");
        } catch (JOSEException e) {
            throw new Refusal(Refusal.Reason.BAD_SIGNATURE, "the JWT's signature cannot be checked");
        }
        checkTimes(claims);
        checkIssuerAndAudience(claims);
        return new Identity(name(claims), roles(claims), Identity.Source.JWT);
    }

    private void checkTimes(JWTClaimsSet claims) throws Refusal {
        Date now = Date.from(clock.instant());
        Duration skew = config.clockSkew();
        Date exp = claims.getExpirationTime();
        if (exp == null) {
            throw new Refusal(Refusal.Reason.MISSING_CLAIM, "the JWT has no exp claim; tokens must expire");
        }
        if (!now.before(Date.from(exp.toInstant().plus(skew)))) {
            throw new Refusal(Refusal.Reason.EXPIRED, "the JWT expired at " + exp.toInstant() + "; get a new token");
        }
        Date nbf = claims.getNotBeforeTime();
        if (nbf != null && now.before(Date.from(nbf.toInstant().minus(skew)))) {
            throw new Refusal(Refusal.Reason.NOT_YET_VALID, "the JWT is not valid before " + nbf.toInstant());
        }
    }

    private void checkIssuerAndAudience(JWTClaimsSet claims) throws Refusal {
        if (!config.issuer().isEmpty() && !config.issuer().equals(claims.getIssuer())) {
            throw new Refusal(Refusal.Reason.WRONG_ISSUER, "the JWT's issuer (iss) is not the one this gateway trusts"
                    + " (" + config.issuer() + ")");
        }
        if (!config.audience().isEmpty() && (claims.getAudience() == null || !claims.getAudience().contains(config.audience()))) {
            throw new Refusal(Refusal.Reason.WRONG_AUDIENCE, "the JWT's audience (aud) does not include "
                    + config.audience() + ", this gateway's audience");
        }
    }

    private String name(JWTClaimsSet claims) throws Refusal {
        Object value = claims.getClaim(config.identityClaim());
        if (!(value instanceof String s) || s.isBlank()) {
            throw new Refusal(Refusal.Reason.MISSING_CLAIM, "the JWT has no " + config.identityClaim()
                    + " claim (the identity claim) as a string");
        }
        return s;
    }

    private Set<String> roles(JWTClaimsSet claims) {
        if (config.rolesClaim().isEmpty()) {
            return Set.of();
        }
        Object value = claims.getClaim(config.rolesClaim());
        Set<String> roles = new HashSet<>();
        if (value instanceof String s) {
            for (String r : s.trim().split("\\s+")) {
                if (!r.isEmpty()) {
                    roles.add(r);
                }
            }
        } else if (value instanceof List<?> list) {
            for (Object r : list) {
                if (r instanceof String s && !s.isBlank()) {
                    roles.add(s);
                }
            }
        }
        return roles;
    }
}
