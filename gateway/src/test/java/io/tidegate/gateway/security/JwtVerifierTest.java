package io.tidegate.gateway.security;

import io.tidegate.testkit.TestPki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import io.tidegate.gateway.config.GatewayConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * JWTs signed by an identity provider's keys, published as a JWKS file: verified by key id,
 * identity and roles read from the configured claims, and a rotated key set taken up when the
 * file changes, after which tokens of the removed key are refused.
 */
class JwtVerifierTest {

    @TempDir
    Path dir;

    @Test
    void aTokenSignedByAKeyOfTheJwksFileNamesItsIdentityAndRoles() throws Exception {
        RSAKey rsa = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
        ECKey ec = new ECKeyGenerator(Curve.P_256).keyID("ec-1").generate();
        Path jwks = dir.resolve("jwks.json");
        TestPki.replace(jwks, new JWKSet(java.util.List.of(rsa.toPublicJWK(), ec.toPublicJWK())).toString());
        JwtVerifier verifier = new JwtVerifier(config(jwks, "client_id", "scope"), Clock.systemUTC());

        Identity fromRsa = verifier.verify(TestTokens.sign(new RSASSASigner(rsa), JWSAlgorithm.RS256, "rsa-1",
                TestTokens.claims("ignored").claim("client_id", "strategy-a").claim("scope", "trader monitor")));
        assertThat(fromRsa.name()).isEqualTo("strategy-a");
        assertThat(fromRsa.roles()).containsExactlyInAnyOrder("trader", "monitor");
        assertThat(fromRsa.source()).isEqualTo(Identity.Source.JWT);
        Identity fromEc = verifier.verify(TestTokens.sign(new ECDSASigner(ec), JWSAlgorithm.ES256, "ec-1",
                TestTokens.claims("ignored").claim("client_id", "strategy-b")));
        assertThat(fromEc.name()).isEqualTo("strategy-b");
        assertThat(fromEc.roles()).isEmpty();

        assertThatThrownBy(() -> verifier.verify(TestTokens.hs256(TestTokens.claims("x").claim("client_id", "y"))))
                .as("an HMAC token against a key set of public keys").isInstanceOfSatisfying(Refusal.class,
                        r -> assertThat(r.reason()).isEqualTo(Refusal.Reason.BAD_SIGNATURE));
        assertThatThrownBy(() -> verifier.verify(TestTokens.sign(new RSASSASigner(rsa), JWSAlgorithm.RS256, "rsa-1",
                TestTokens.claims("x")))).isInstanceOfSatisfying(Refusal.class, r -> {
                    assertThat(r.reason()).isEqualTo(Refusal.Reason.MISSING_CLAIM);
                    assertThat(r.getMessage()).contains("client_id");
                });
    }

    @Test
    void aRotatedKeySetIsTakenUpWhenTheFileChanges() throws Exception {
        RSAKey old = new RSAKeyGenerator(2048).keyID("old").generate();
        RSAKey next = new RSAKeyGenerator(2048).keyID("next").generate();
        Path jwks = dir.resolve("jwks.json");
        TestPki.replace(jwks, new JWKSet(old.toPublicJWK()).toString());
        JwtVerifier verifier = new JwtVerifier(config(jwks, "sub", "roles"), Clock.systemUTC());
        String oldToken = TestTokens.sign(new RSASSASigner(old), JWSAlgorithm.RS256, "old", TestTokens.claims("a"));
        String nextToken = TestTokens.sign(new RSASSASigner(next), JWSAlgorithm.RS256, "next", TestTokens.claims("a"));
        assertThat(verifier.verify(oldToken).name()).isEqualTo("a");

        TestPki.replace(jwks, new JWKSet(next.toPublicJWK()).toString());
        verifier.reload();
        assertThat(verifier.verify(nextToken).name()).isEqualTo("a");
        assertThatThrownBy(() -> verifier.verify(oldToken)).isInstanceOfSatisfying(Refusal.class,
                r -> assertThat(r.reason()).isEqualTo(Refusal.Reason.BAD_SIGNATURE));

        TestPki.replace(jwks, "{ not json");
        verifier.reload();
        assertThat(verifier.verify(nextToken).name()).as("a broken file keeps the keys in use").isEqualTo("a");
    }

    private static GatewayConfig.Jwt config(Path jwks, String identityClaim, String rolesClaim) {
        return new GatewayConfig.Jwt(jwks.toString(), "", TestTokens.ISSUER, TestTokens.AUDIENCE, identityClaim, rolesClaim,
                Duration.ofSeconds(30));
    }
}
