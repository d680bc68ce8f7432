package io.tidegate.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.routing.TopicPattern;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** How the rules decide: deny over allow, nothing allowed means denied, patterns allowed in part are filtered. */
class AclAccessTest {

    private static final Identity TRADER = new Identity("strategy-a", Set.of("trader"), Identity.Source.API_TOKEN);
    private static final Identity MONITOR = new Identity("risk-monitor", Set.of(), Identity.Source.API_TOKEN);

    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
    private final AclRefusals refusals = new AclRefusals();
    private final AclAccess access = new AclAccess(new GatewayConfig.Acl(true, "", """
            [ { who = "role:trader", publish-allow = ["exec.commands.BINANCE.>"], publish-deny = ["exec.commands.BINANCE.test"],
                subscribe-allow = ["data.>", "exec.events.BINANCE.>"], join-groups = ["g1"] },
              { who = "id:risk-monitor", subscribe-allow = [">"], subscribe-deny = ["exec.>"] } ]"""), refusals);

    @BeforeEach
    void capture() {
        lines.start();
        ((Logger) LoggerFactory.getLogger("tidegate.audit")).addAppender(lines);
    }

    @AfterEach
    void release() {
        ((Logger) LoggerFactory.getLogger("tidegate.audit")).detachAppender(lines);
    }

    @Test
    void aDenyWinsOverAnAllowAndWhatNoRuleAllowsIsDenied() {
        assertThat(access.refusePublish(TRADER, "p", "exec.commands.BINANCE.o1")).isNull();
        assertThat(access.refusePublish(TRADER, "p", "exec.commands.BINANCE.test")).contains("publish-deny");
        assertThat(access.refusePublish(TRADER, "p", "exec.commands.KRAKEN.o1")).contains("no rule allows it");
        assertThat(access.refusePublish(null, "p", "data.x")).contains("unauthenticated");
        assertThat(refusals.counts().get(AclRefusals.Action.PUBLISH)).isEqualTo(3);
    }

    @Test
    void eachRefusalIsOneAuditLineNamingIdentityPeerActionTopicAndRule() {
        access.refusePublish(TRADER, "/10.0.0.7:5000", "exec.commands.BINANCE.test");
        assertThat(lines.list).singleElement().satisfies(e -> assertThat(e.getKeyValuePairs())
                .extracting(kv -> kv.key + "=" + kv.value)
                .contains("identity=strategy-a", "peer=/10.0.0.7:5000", "action=publish", "topic=exec.commands.BINANCE.test",
                        "rule=rules[0] (role:trader) publish-deny \"exec.commands.BINANCE.test\""));
    }

    @Test
    void aPatternAllowedWhollyNeedsNoFilterAndOneAllowedInPartIsFiltered() throws AccessDenied {
        assertThat(access.subscribe(TRADER, "p", patterns("data.quotes.>"), null)).isNull();
        Predicate<String> all = access.subscribe(MONITOR, "p", patterns(">"), null);
        assertThat(all).isNotNull();
        assertThat(all.test("data.quotes.BTCUSDT")).isTrue();
        assertThat(all.test("exec.commands.BINANCE.o1")).isFalse();
        // allowed in part: exec.events.BINANCE by the trader's rule, exec.commands by none
        Predicate<String> exec = access.subscribe(TRADER, "p", patterns("exec.*.BINANCE.>"), null);
        assertThat(exec.test("exec.events.BINANCE.fill")).isTrue();
        assertThat(exec.test("exec.commands.BINANCE.o1")).isFalse();
    }

    @Test
    void aPatternWhollyDeniedOrNeverAllowedAndAGroupNotNamedAreRefused() {
        assertThatThrownBy(() -> access.subscribe(MONITOR, "p", patterns("exec.commands.>"), null))
                .isInstanceOf(AccessDenied.class).hasMessageContaining("subscribe-deny \"exec.>\"");
        assertThatThrownBy(() -> access.subscribe(TRADER, "p", patterns("data.>"), "g2"))
                .isInstanceOf(AccessDenied.class).hasMessageContaining("join group \"g2\"");
        assertThat(refusals.counts()).containsAllEntriesOf(Map.of(AclRefusals.Action.SUBSCRIBE, 1L,
                AclRefusals.Action.JOIN_GROUP, 1L));
    }

    @Test
    void unusableRulesAreRefusedNamingWhere() {
        assertThatThrownBy(() -> new AclAccess(new GatewayConfig.Acl(true, "", "[ { who = \"team:x\" } ]"), refusals))
                .hasMessageContaining("rules[0]").hasMessageContaining("team:x");
        assertThatThrownBy(() -> new AclAccess(new GatewayConfig.Acl(true, "", "[ { who = \"*\", publish-alow = [\">\"] } ]"), refusals))
                .hasMessageContaining("unknown key \"publish-alow\"");
    }

    private static List<TopicPattern> patterns(String... p) {
        return java.util.Arrays.stream(p).map(s -> TopicPattern.compile(s, 256)).toList();
    }
}
