package io.tidegate.testkit;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit 5 extension that runs one local {@link RedisCluster} (three masters) per test class.
 * Register it in a static field:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final RedisClusterExtension CLUSTER = new RedisClusterExtension();
 * ... "backend.redis.cluster-nodes=" + CLUSTER.seeds() ...
 * }</pre>
 *
 * The tests fail (they are not skipped) when {@code redis-server} or {@code redis-cli} is
 * missing. Threading: the callbacks run on JUnit's thread; the accessors are thread-safe once
 * the class has started.
 */
public final class RedisClusterExtension implements BeforeAllCallback, AfterAllCallback {

    private volatile RedisCluster cluster;

    @Override
    public void beforeAll(ExtensionContext context) {
        if (cluster == null) {
            cluster = RedisCluster.start();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        RedisCluster c = cluster;
        cluster = null;
        if (c != null) {
            c.close();
        }
    }

    /** The running cluster. */
    public RedisCluster cluster() {
        RedisCluster c = cluster;
        if (c == null) {
            throw new IllegalStateException("the Redis cluster is not running; register RedisClusterExtension in a "
                    + "static field with @RegisterExtension");
        }
        return c;
    }

    /** Shorthand for {@code cluster().seeds()}. */
    public String seeds() {
        return cluster().seeds();
    }
}
