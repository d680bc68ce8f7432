package io.tidegate.gateway.backend.redis;

import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisCredentialsProvider;
import io.tidegate.gateway.config.SettingUnusableException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The Redis login of {@code backend.redis.password-file}, read again each time Lettuce opens or
 * reopens a connection, so a rotated password (written to the file, then set in Redis) is used
 * from the next reconnect on without a restart. The first read happens at construction, so a
 * missing or empty file stops start-up naming its key; a later read that fails keeps the last
 * password read and logs why. Thread-safe: Lettuce may resolve from several connections at once;
 * the file is read on a Reactor worker, never on the Netty event loop that asks.
 */
final class PasswordFileCredentials implements RedisCredentialsProvider {

    private static final Logger LOG = LoggerFactory.getLogger(PasswordFileCredentials.class);
    private static final String KEY = "backend.redis.password-file";

    private final String user;
    private final Path file;
    private volatile char[] lastRead;

    /**
     * @param user the ACL user, or null for Redis' {@code default} user
     * @throws SettingUnusableException when the file cannot be read or is empty
     */
    PasswordFileCredentials(String user, String file) {
        this.user = user;
        this.file = Path.of(file);
        this.lastRead = read(this.file);
    }

    @Override
    public Mono<RedisCredentials> resolveCredentials() {
        return Mono.fromCallable(this::current).subscribeOn(Schedulers.boundedElastic());
    }

    private RedisCredentials current() {
        try {
            lastRead = read(file);
        } catch (SettingUnusableException e) {
            LOG.warn("{}; logging in to Redis with the password read before", e.getMessage());
        }
        return RedisCredentials.just(user, lastRead);
    }

    private static char[] read(Path file) {
        String text;
        try {
            if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
                throw new SettingUnusableException(KEY + " \"" + file + "\" is not a readable file"
                        + (Files.exists(file) ? "" : " (it does not exist)") + "; give the path of the password file", null);
            }
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            if (e instanceof SettingUnusableException s) {
                throw s;
            }
            throw new SettingUnusableException(KEY + " \"" + file + "\" cannot be read: "
                    + e.getClass().getSimpleName() + "; give a readable UTF-8 file holding the password", e);
        }
        // an editor or `echo` leaves a line break; it is never part of the password
        String password = text.endsWith("\r\n") ? text.substring(0, text.length() - 2)
                : text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
        if (password.isEmpty()) {
            throw new SettingUnusableException(KEY + " \"" + file + "\" is empty; write the "
                    + "Redis user's password in it", null);
        }
        return password.toCharArray();
    }
}
