package io.tidegate.gateway.backend.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidegate.gateway.backend.Backend;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.config.SettingUnusableException;
import io.tidegate.gateway.resilience.DeferredBackend;
import io.tidegate.testkit.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Redis with TLS and ACL users that refuses the gateway: a wrong password, a user whose ACL
 * does not cover Tidegate's keys, a server certificate from another CA, no client certificate.
 * Each stops start-up at once with one message naming what to change (never the password),
 * instead of a connection retried forever.
 */
class RedisLoginRefusalTest {

    private static final String OTHER_PASSWORD = "other-users-pw";

    @TempDir
    static Path dir;
    private static SecuredRedis redis;

    @BeforeAll
    static void startRedis() {
        // a user set up for another key prefix than the gateway's "tg"
        redis = new SecuredRedis(dir, "other on >" + OTHER_PASSWORD + " " + String.join(" ", RedisAclRules.rules("other")));
    }

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    private static GatewayConfig config(String... changes) {
        List<String> overrides = new ArrayList<>(redis.overrides());
        overrides.add("resilience.enabled=false");
        overrides.addAll(List.of(changes));
        return GatewayConfig.defaultsWith(overrides.toArray(String[]::new));
    }

    private static Path file(String name, String content) throws Exception {
        return Files.writeString(dir.resolve(name), content);
    }

    @Test
    void theTidegateUserLogsInOverTlsAndIsReady() {
        try (Backend backend = ConfiguredRedisBackend.open(config())) {
            assertThat(backend.isReady()).isTrue();
        }
    }

    @Test
    void aWrongPasswordStopsStartUpNamingTheSettingsToCheckWithoutThePassword() throws Exception {
        Path wrong = file("wrong-password", "not-the-password\n");
        assertThatThrownBy(() -> ConfiguredRedisBackend.open(config("backend.redis.password-file=" + wrong)))
                .isInstanceOf(SettingUnusableException.class)
                .hasMessageContaining("refused the login of user \"tidegate\"")
                .hasMessageContaining("WRONGPASS")
                .hasMessageContaining("backend.redis.username and backend.redis.password-file")
                .hasMessageNotContaining("not-the-password");
    }

    @Test
    void aWrongPasswordInTheUriIsNeverPrinted() {
        String uri = redis.server.uri().replace("rediss://", "rediss://tidegate:uri-secret-pw@");
        assertThatThrownBy(() -> ConfiguredRedisBackend.open(config("backend.redis.username=",
                "backend.redis.password-file=", "backend.redis.uri=" + uri)))
                .isInstanceOf(SettingUnusableException.class)
                .hasMessageContaining("refused the login of user \"tidegate\"")
                .hasMessageNotContaining("uri-secret-pw");
    }

    @Test
    void aWrongPasswordStopsStartUpEvenWithTheResilientStackThatRetriesOutages() throws Exception {
        Path wrong = file("wrong-password-2", "nope");
        GatewayConfig c = config("backend.redis.password-file=" + wrong);
        assertThatThrownBy(() -> new DeferredBackend("redis", () -> ConfiguredRedisBackend.open(c)))
                .isInstanceOf(SettingUnusableException.class)
                .hasMessageContaining("refused the login");
    }

    @Test
    void aUserWhoseAclDoesNotCoverTheKeyPrefixIsToldTheAclToGrant() throws Exception {
        Path password = file("other-password", OTHER_PASSWORD);
        assertThatThrownBy(() -> ConfiguredRedisBackend.open(config("backend.redis.username=other",
                "backend.redis.password-file=" + password)))
                .isInstanceOf(SettingUnusableException.class)
                .hasMessageContaining("lets user \"other\" log in but refuses what Tidegate needs (NOPERM")
                .hasMessageContaining(RedisAclRules.setUser("other", "tg"));
    }

    @Test
    void aServerCertificateFromAnotherCaFailsTheHandshakeNamingTheCaFile() throws Exception {
        Path otherCa = new TestPki("some-other-ca").writeCa(dir.resolve("other-ca.pem"));
        assertThatThrownBy(() -> ConfiguredRedisBackend.open(config("backend.redis.tls.ca-file=" + otherCa)))
                .isInstanceOf(SettingUnusableException.class)
                .hasMessageStartingWith("backend.redis.tls: the TLS handshake with Redis at 127.0.0.1:"
                        + redis.server.port() + " failed")
                .hasMessageContaining("backend.redis.tls.ca-file");
    }

    @Test
    void aMissingPasswordFileIsNamed() {
        assertThatThrownBy(() -> ConfiguredRedisBackend.open(config("backend.redis.password-file=" + dir.resolve("absent"))))
                .isInstanceOf(SettingUnusableException.class)
                .hasMessageStartingWith("backend.redis.password-file")
                .hasMessageContaining("does not exist");
    }
}
