package io.tidegate.gateway.backend.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The ACL users are told to create is the one the contract suite runs as ({@link SecuredRedisBackendContractTest}). */
class RedisAclRulesTest {

    @Test
    void theDocumentedAclIsTheOneTheTestsRunAs() throws Exception {
        String line = RedisAclRules.setUser("tidegate", "tg");
        assertThat(line).startsWith("ACL SETUSER tidegate on ~tg:* resetchannels &tg:* -@all ");
        for (String doc : new String[] {"README.md", "docs/redis.md", "docs/security.md"}) {
            assertThat(Files.readString(Path.of("..").resolve(doc))).as(doc).contains(line + " >");
        }
    }

    @Test
    void theRulesFollowTheKeyPrefix() {
        assertThat(RedisAclRules.rules("prod_tg")).startsWith("~prod_tg:*", "resetchannels", "&prod_tg:*");
    }
}
