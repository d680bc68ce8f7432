package io.tidegate.gateway.security;

import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.routing.TopicPattern;
import java.io.File;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;

/**
 * The {@link TopicAccess} of {@code security.acl.enabled=true}: decides with the rules in force,
 * which come from {@code security.acl.rules} or, when set, from {@code security.acl.file}, loaded
 * again when the file changes (a file that cannot be used keeps the previous rules, logged once).
 * Thread-safe: the rules are swapped whole.
 */
final class AclAccess implements TopicAccess {

    private final AclRefusals refusals;
    private final WatchedFiles watched;
    private volatile AclRules rules;
    private final List<Runnable> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** @throws IllegalArgumentException naming the key of rules that cannot be used */
    AclAccess(GatewayConfig.Acl config, AclRefusals refusals) {
        this.refusals = refusals;
        if (config.file().isEmpty()) {
            this.watched = null;
            this.rules = AclRules.parse("rules = " + config.rules(), "security.acl.rules");
            return;
        }
        File file = new File(config.file());
        this.watched = new WatchedFiles("security.acl.file", List.of(Path.of(config.file())),
                () -> {
                    rules = AclRules.load(file);
                    listeners.forEach(Runnable::run);
                });
        try {
            watched.loadNow();
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalArgumentException("security.acl.file " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void onChange(Runnable listener) {
        listeners.add(listener);
    }

    /** Loads the rules file again when it changed; called by the security reload thread. */
    void reload() {
        if (watched != null) {
            watched.check();
        }
    }

    @Override
    public String refusePublish(Identity who, String peer, String topic) {
        AclRules.Grants g = rules.grantsFor(who);
        String rule = AclRules.Grants.refusal(g.publishAllow, g.publishDeny, topic);
        if (rule == null) {
            return null;
        }
        refusals.refused(AclRefusals.Action.PUBLISH, nameOf(who), peer, topic, rule);
        return nameOf(who, "publish to \"" + topic + "\"") + " (" + rule + ")";
    }

    @Override
    public Predicate<String> subscribe(Identity who, String peer, List<TopicPattern> patterns, String group)
            throws AccessDenied {
        AclRules.Grants g = rules.grantsFor(who);
        if (group != null && !g.mayJoin(group)) {
            String rule = "no join-groups rule names \"" + group + "\"";
            refusals.refused(AclRefusals.Action.JOIN_GROUP, nameOf(who), peer, group, rule);
            throw new AccessDenied(nameOf(who, "join group \"" + group + "\"") + " (" + rule + ")");
        }
        boolean partly = false;
        for (TopicPattern p : patterns) {
            String refused = refusal(g, p);
            if (refused != null) {
                refusals.refused(AclRefusals.Action.SUBSCRIBE, nameOf(who), peer, p.toString(), refused);
                throw new AccessDenied(nameOf(who, "subscribe to \"" + p + "\"") + " (" + refused + ")");
            }
            partly |= !whollyAllowed(g, p);
        }
        if (!partly) {
            return null;
        }
        // asked once per topic a subscription meets, with the rules in force then
        return topic -> {
            AclRules.Grants now = rules.grantsFor(who);
            return AclRules.Grants.refusal(now.subscribeAllow, now.subscribeDeny, topic) == null;
        };
    }

    /** Why no topic of the pattern may be delivered, or null when some may. */
    private static String refusal(AclRules.Grants g, TopicPattern p) {
        for (AclRules.Grant d : g.subscribeDeny) {
            if (d.pattern().covers(p)) {
                return d.rule();
            }
        }
        for (AclRules.Grant a : g.subscribeAllow) {
            if (a.pattern().overlaps(p)) {
                return null;
            }
        }
        return AclRules.Grants.NO_RULE;
    }

    private static boolean whollyAllowed(AclRules.Grants g, TopicPattern p) {
        for (AclRules.Grant d : g.subscribeDeny) {
            if (d.pattern().overlaps(p)) {
                return false;
            }
        }
        for (AclRules.Grant a : g.subscribeAllow) {
            if (a.pattern().covers(p)) {
                return true;
            }
        }
        return false;
    }

    private static String nameOf(Identity who) {
        return who == null ? "" : who.name();
    }

    private static String nameOf(Identity who, String what) {
        return (who == null ? "an unauthenticated caller" : "identity \"" + who.name() + "\"") + " may not " + what
                + "; see security.acl";
    }
}
