package io.tidegate.testkit;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit 5 extension that runs one real {@link RedisServer} per test class. Register it in a
 * static field so every test of the class shares the server:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final RedisServerExtension REDIS = new RedisServerExtension();
 * ... REDIS.uri() ...
 * }</pre>
 *
 * The tests fail (they are not skipped) when {@code redis-server} is missing. Threading: the
 * callbacks run on JUnit's thread; the accessors are thread-safe once the class has started.
 */
public final class RedisServerExtension implements BeforeAllCallback, AfterAllCallback {

    private volatile RedisServer server;

    @Override
    public void beforeAll(ExtensionContext context) {
        if (server == null) {
            server = RedisServer.start();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        RedisServer s = server;
        server = null;
        if (s != null) {
            s.close();
        }
    }

    /** The running server. */
    public RedisServer server() {
        RedisServer s = server;
        if (s == null) {
            throw new IllegalStateException("redis-server is not running; register RedisServerExtension in a static "
                    + "field with @RegisterExtension");
        }
        return s;
    }

    /** Shorthand for {@code server().uri()}. */
    public String uri() {
        return server().uri();
    }

    /** Shorthand for {@code server().port()}. */
    public int port() {
        return server().port();
    }

    /** Deletes every key, e.g. between tests. */
    public void flushAll() {
        server().flushAll();
    }
}
