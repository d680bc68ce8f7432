package io.tidegate.gateway.security;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import io.tidegate.gateway.routing.InvalidTopicException;
import io.tidegate.gateway.routing.TopicPattern;
import java.io.File;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One version of the authorisation rules ({@code security.acl.rules} or the file
 * {@code security.acl.file}), compiled: each rule names who it applies to ({@code "*"},
 * {@code "id:<identity>"} or {@code "role:<role>"}) and the topic patterns it allows and denies
 * for publishing and subscribing, and the groups it lets join. What applies to an identity is the
 * union of its rules; a deny wins over an allow; nothing allowed means denied. Immutable (the
 * per-identity cache is thread-safe).
 */
final class AclRules {

    static final String EXAMPLE = "rules = [ { who = \"role:trader\", publish-allow = [\"exec.commands.>\"], "
            + "subscribe-allow = [\">\"], subscribe-deny = [\"exec.>\"], join-groups = [\"*\"] } ]";
    private static final int MAX_PATTERN_LENGTH = 1024;
    /** Identities whose grants are kept compiled; past it the cache starts over (memory bounded). */
    private static final int MAX_CACHED_IDENTITIES = 4096;
    private static final Set<String> KEYS = Set.of("who", "publish-allow", "publish-deny", "subscribe-allow",
            "subscribe-deny", "join-groups");

    private final List<Rule> rules;
    private final Grants anonymous;
    private final Map<Identity, Grants> byIdentity = new ConcurrentHashMap<>();

    private AclRules(List<Rule> rules) {
        this.rules = List.copyOf(rules);
        this.anonymous = grantsOf(null);
    }

    /** The rules of a HOCON or JSON text with a {@code rules} list. */
    static AclRules parse(String text, String origin) {
        try {
            return of(ConfigFactory.parseString(text, ConfigParseOptions.defaults().setOriginDescription(origin)), origin);
        } catch (ConfigException e) {
            throw new IllegalArgumentException(origin + ": " + e.getMessage() + "; e.g. " + EXAMPLE, e);
        }
    }

    /** The rules of a HOCON or JSON file with a {@code rules} list. */
    static AclRules load(File file) {
        String origin = "security.acl.file " + file;
        try {
            return of(ConfigFactory.parseFile(file, ConfigParseOptions.defaults().setAllowMissing(false)), origin);
        } catch (ConfigException e) {
            // the message names the file already
            throw new IllegalArgumentException("security.acl.file " + e.getMessage() + "; e.g. " + EXAMPLE, e);
        }
    }

    private static AclRules of(Config c, String origin) {
        if (!c.hasPath("rules")) {
            throw new IllegalArgumentException(origin + " has no rules list; e.g. " + EXAMPLE);
        }
        List<Rule> rules = new ArrayList<>();
        List<? extends Config> list = c.getConfigList("rules");
        for (int i = 0; i < list.size(); i++) {
            rules.add(rule(list.get(i), origin + " rules[" + i + "]"));
        }
        return new AclRules(rules);
    }

    private static Rule rule(Config c, String where) {
        for (String key : c.root().keySet()) {
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException(where + ": unknown key \"" + key + "\"; a rule has " + String.join(", ",
                        KEYS.stream().sorted().toList()));
            }
        }
        if (!c.hasPath("who")) {
            throw new IllegalArgumentException(where + ": no who; use \"*\", \"id:<identity>\" or \"role:<role>\"");
        }
        String who = c.getString("who").trim();
        if (!who.equals("*") && !(who.startsWith("id:") && who.length() > 3) && !(who.startsWith("role:") && who.length() > 5)) {
            throw new IllegalArgumentException(where + ": who \"" + who + "\" is not \"*\", \"id:<identity>\" or \"role:<role>\"");
        }
        String label = where.substring(where.lastIndexOf(' ') + 1) + " (" + who + ")";
        return new Rule(who, label, patterns(c, "publish-allow", where), patterns(c, "publish-deny", where),
                patterns(c, "subscribe-allow", where), patterns(c, "subscribe-deny", where),
                c.hasPath("join-groups") ? List.copyOf(c.getStringList("join-groups")) : List.of());
    }

    private static List<TopicPattern> patterns(Config c, String key, String where) {
        if (!c.hasPath(key)) {
            return List.of();
        }
        List<TopicPattern> patterns = new ArrayList<>();
        for (String p : c.getStringList(key)) {
            try {
                patterns.add(TopicPattern.compile(p.trim(), MAX_PATTERN_LENGTH));
            } catch (InvalidTopicException e) {
                throw new IllegalArgumentException(where + "." + key + ": " + e.getMessage());
            }
        }
        return patterns;
    }

    /** What applies to this identity (null: the caller is anonymous, authentication being off). */
    Grants grantsFor(Identity who) {
        if (who == null) {
            return anonymous;
        }
        Grants g = byIdentity.get(who);
        if (g == null) {
            if (byIdentity.size() >= MAX_CACHED_IDENTITIES) {
                byIdentity.clear();
            }
            g = grantsOf(who);
            byIdentity.put(who, g);
        }
        return g;
    }

    private Grants grantsOf(Identity who) {
        List<Grant> pubAllow = new ArrayList<>();
        List<Grant> pubDeny = new ArrayList<>();
        List<Grant> subAllow = new ArrayList<>();
        List<Grant> subDeny = new ArrayList<>();
        Set<String> groups = new HashSet<>();
        String anyGroup = null;
        for (Rule r : rules) {
            if (!r.appliesTo(who)) {
                continue;
            }
            add(pubAllow, r, "publish-allow", r.publishAllow);
            add(pubDeny, r, "publish-deny", r.publishDeny);
            add(subAllow, r, "subscribe-allow", r.subscribeAllow);
            add(subDeny, r, "subscribe-deny", r.subscribeDeny);
            for (String g : r.joinGroups) {
                if (g.equals("*")) {
                    anyGroup = r.label + " join-groups \"*\"";
                }
                groups.add(g);
            }
        }
        return new Grants(pubAllow.toArray(Grant[]::new), pubDeny.toArray(Grant[]::new), subAllow.toArray(Grant[]::new),
                subDeny.toArray(Grant[]::new), Set.copyOf(groups), anyGroup != null);
    }

    private static void add(List<Grant> to, Rule r, String kind, List<TopicPattern> patterns) {
        for (TopicPattern p : patterns) {
            to.add(new Grant(p, r.label + " " + kind + " \"" + p + "\""));
        }
    }

    private record Rule(String who, String label, List<TopicPattern> publishAllow, List<TopicPattern> publishDeny,
                        List<TopicPattern> subscribeAllow, List<TopicPattern> subscribeDeny, List<String> joinGroups) {

        boolean appliesTo(Identity identity) {
            if (who.equals("*")) {
                return true;
            }
            if (identity == null) {
                return false;
            }
            return who.startsWith("id:") ? identity.name().equals(who.substring(3)) : identity.hasRole(who.substring(5));
        }
    }

    /** A pattern of a rule and how an audit line names it. */
    record Grant(TopicPattern pattern, String rule) {
    }

    /**
     * What one identity may do: the union of its rules. Immutable.
     */
    static final class Grants {
        static final String NO_RULE = "no rule allows it";

        final Grant[] publishAllow;
        final Grant[] publishDeny;
        final Grant[] subscribeAllow;
        final Grant[] subscribeDeny;
        final Set<String> groups;
        final boolean anyGroup;

        Grants(Grant[] publishAllow, Grant[] publishDeny, Grant[] subscribeAllow, Grant[] subscribeDeny,
               Set<String> groups, boolean anyGroup) {
            this.publishAllow = publishAllow;
            this.publishDeny = publishDeny;
            this.subscribeAllow = subscribeAllow;
            this.subscribeDeny = subscribeDeny;
            this.groups = groups;
            this.anyGroup = anyGroup;
        }

        /** Null when the topic is allowed by these patterns, else the rule that refuses it (or {@link #NO_RULE}). */
        static String refusal(Grant[] allow, Grant[] deny, String topic) {
            for (Grant d : deny) {
                if (d.pattern.matches(topic)) {
                    return d.rule;
                }
            }
            for (Grant a : allow) {
                if (a.pattern.matches(topic)) {
                    return null;
                }
            }
            return NO_RULE;
        }

        boolean mayJoin(String group) {
            return anyGroup || groups.contains(group);
        }
    }
}
