package io.tidegate.gateway.backend.redis;

import java.util.List;

/**
 * The least a Redis ACL user needs for Tidegate's backend: its own keys and channels
 * ({@code <prefix>:*}) and the command categories the backend uses, without the dangerous ones
 * (FLUSHALL, KEYS, CONFIG, ...), plus three single commands it needs from those: INFO (the
 * version check), CLIENT UNBLOCK (waking a blocked reader) and TIME (inside the Lua scripts).
 * The same rules are printed when Redis refuses a command and documented in docs/redis.md.
 * Stateless.
 */
public final class RedisAclRules {

    private RedisAclRules() {
    }

    /** The rules for a user whose keys start with {@code keyPrefix}, in the order ACL SETUSER applies them. */
    public static List<String> rules(String keyPrefix) {
        return List.of("~" + keyPrefix + ":*", "resetchannels", "&" + keyPrefix + ":*", "-@all",
                "+@read", "+@write", "+@stream", "+@scripting", "+@pubsub", "+@connection", "-@dangerous",
                "+info", "+client|unblock", "+time");
    }

    /** The {@code ACL SETUSER} command that creates or fixes such a user; the password is set apart ({@code >password}). */
    public static String setUser(String user, String keyPrefix) {
        return "ACL SETUSER " + user + " on " + String.join(" ", rules(keyPrefix));
    }
}
