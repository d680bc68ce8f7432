package io.tidegate.gateway.backend.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.tidegate.testkit.RedisServerExtension;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code append.lua} on a real redis-server, called as {@link RedisStreamWriter} calls it: the
 * dedup answers of one run (ids repeated in the run, ids stored in an older bucket, new ids,
 * messages without an id) in the order of the run, and runs with more new ids than one HSET takes.
 */
class AppendScriptTest {

    @RegisterExtension
    static final RedisServerExtension REDIS = new RedisServerExtension();

    /** A long bucket, so a bucket boundary passed during a test moves an id one bucket older, still in the window. */
    private static final long BUCKET_MS = 60_000;
    private static final long WINDOW_MS = 4 * BUCKET_MS;
    /** More new ids than one HSET of the script takes (1,000). */
    private static final int LONG_RUN = 2_500;

    private static RedisClient client;
    private static StatefulRedisConnection<byte[], byte[]> connection;
    private static RedisCommands<byte[], byte[]> redis;

    private RedisKeys keys;
    private String topic;

    @BeforeAll
    static void connect() {
        client = RedisClient.create(REDIS.uri());
        connection = client.connect(ByteArrayCodec.INSTANCE);
        redis = connection.sync();
    }

    @AfterAll
    static void disconnect() {
        connection.close();
        client.shutdown();
    }

    @BeforeEach
    void nameThisTest() {
        keys = new RedisKeys("a" + UUID.randomUUID().toString().replace("-", "").substring(0, 10));
        topic = "orders.VENUE.SYM";
    }

    @Test
    void idRepeatedInOneRunIsAnsweredWithTheFirstOnesEntryAndStoredOnce() {
        long before = currentBucket();
        List<Answer> answers = append(List.of(msg("a"), msg("b"), msg("a"), msg("a"), msg("b")));

        assertThat(answers).extracting(Answer::duplicate).containsExactly(false, false, true, true, true);
        assertThat(answers.get(2).entry()).isEqualTo(answers.get(0).entry());
        assertThat(answers.get(3).entry()).isEqualTo(answers.get(0).entry());
        assertThat(answers.get(4).entry()).isEqualTo(answers.get(1).entry());
        assertThat(answers.get(1).entry()).isNotEqualTo(answers.get(0).entry());
        assertThat(streamLength()).as("each id stored once").isEqualTo(2);
        assertThat(storedSince(before, "a")).isEqualTo(answers.get(0).entry());
        assertThat(storedSince(before, "b")).isEqualTo(answers.get(1).entry());

        assertThat(append(List.of(msg("b"), msg("a")))).as("a later run finds both")
                .containsExactly(new Answer(answers.get(1).entry(), true), new Answer(answers.get(0).entry(), true));
        assertThat(streamLength()).isEqualTo(2);
    }

    @Test
    void runMixingOlderIdsNewIdsAndIdlessMessagesIsAnsweredInOrder() {
        long current = currentBucket();
        // stored by earlier calls, in the buckets a lookup still reaches
        hset(current - 2, "old-2", "1-0");
        hset(current - 1, "old-1", "2-0");
        hset(current - 1, "both", "3-0");
        hset(current, "both", "4-0");

        List<Answer> answers = append(List.of(msg("new-1"), msg("old-2"), msg(""), msg("both"), msg("new-1"),
                msg("old-1"), msg(""), msg("new-2"), msg("old-2")));

        assertThat(answers.get(0).duplicate()).isFalse();
        assertThat(answers.get(1)).isEqualTo(new Answer("1-0", true));
        assertThat(answers.get(2).duplicate()).as("no id, never a duplicate").isFalse();
        assertThat(answers.get(3)).as("the newest bucket's entry, as a lookup from the newest bucket finds")
                .isEqualTo(new Answer("4-0", true));
        assertThat(answers.get(4)).isEqualTo(new Answer(answers.get(0).entry(), true));
        assertThat(answers.get(5)).isEqualTo(new Answer("2-0", true));
        assertThat(answers.get(6).duplicate()).isFalse();
        assertThat(answers.get(7).duplicate()).isFalse();
        assertThat(answers.get(8)).isEqualTo(new Answer("1-0", true));

        List<String> stored = List.of(answers.get(0).entry(), answers.get(2).entry(), answers.get(6).entry(),
                answers.get(7).entry());
        assertThat(stored).as("new entries in run order").doesNotHaveDuplicates()
                .isSortedAccordingTo((x, y) -> io.tidegate.gateway.backend.EntryId.parse(x)
                        .compareTo(io.tidegate.gateway.backend.EntryId.parse(y)));
        assertThat(streamEntries()).containsExactlyElementsOf(stored);
        assertThat(storedSince(current, "new-1")).isEqualTo(answers.get(0).entry());
        assertThat(storedSince(current, "new-2")).isEqualTo(answers.get(7).entry());
        assertThat(storedSince(current, "old-2")).as("a duplicate is not stored again").isNull();
        assertThat(storedSince(current, "old-1")).isNull();
    }

    @Test
    void runLongerThanOneHsetStoresEveryIdOnce() {
        List<String> ids = new ArrayList<>();
        List<Msg> run = new ArrayList<>();
        for (int i = 0; i < LONG_RUN; i++) {
            ids.add(UUID.randomUUID().toString());
            run.add(msg(ids.get(i)));
            if (i % 10 == 9) {
                run.add(msg(ids.get(i - 5)));
            }
        }
        List<Answer> answers = append(run);

        assertThat(answers).hasSize(run.size());
        assertThat(answers).filteredOn(a -> !a.duplicate()).hasSize(LONG_RUN);
        assertThat(streamLength()).isEqualTo(LONG_RUN);
        long bucket = currentBucket();
        assertThat(redis.hlen(bucketKey(bucket)) + redis.hlen(bucketKey(bucket - 1)))
                .as("every id in the current bucket (the previous one if it turned meanwhile)").isEqualTo(LONG_RUN);

        List<Answer> again = append(ids.stream().map(AppendScriptTest::msg).toList());
        assertThat(again).as("every id of the long run is found by the next").allMatch(Answer::duplicate);
        List<String> firstEntries = new ArrayList<>();
        for (int i = 0; i < run.size(); i++) {
            if (!answers.get(i).duplicate()) {
                firstEntries.add(answers.get(i).entry());
            }
        }
        assertThat(again).extracting(Answer::entry).containsExactlyElementsOf(firstEntries);
    }

    // ------------------------------------------------------------------ helpers

    private record Msg(String id) {
    }

    private record Answer(String entry, boolean duplicate) {
    }

    private static Msg msg(String id) {
        return new Msg(id);
    }

    /** One script call with the writer's layout: max length, window, bucket, then id, message, accepted-at per message. */
    private List<Answer> append(List<Msg> run) {
        byte[][] scriptKeys = {keys.stream(topic), keys.dedupBuckets(topic)};
        List<byte[]> args = new ArrayList<>();
        args.add(bytes("100000"));
        args.add(bytes(Long.toString(WINDOW_MS)));
        args.add(bytes(Long.toString(BUCKET_MS)));
        for (Msg m : run) {
            args.add(bytes(m.id()));
            args.add(bytes("payload of " + m.id()));
            args.add(bytes("1"));
        }
        List<Object> reply = LuaScript.APPEND.<List<Object>>run(connection.async(), ScriptOutputType.MULTI,
                scriptKeys, args.toArray(byte[][]::new)).join();
        List<Answer> answers = new ArrayList<>();
        for (int i = 0; i < reply.size(); i += 2) {
            answers.add(new Answer(string((byte[]) reply.get(i)), ((Long) reply.get(i + 1)) == 1L));
        }
        return answers;
    }

    private long currentBucket() {
        List<byte[]> t = redis.time();
        long millis = Long.parseLong(string(t.get(0))) * 1000 + Long.parseLong(string(t.get(1))) / 1000;
        return millis / BUCKET_MS;
    }

    private byte[] bucketKey(long bucket) {
        return bytes(string(keys.dedupBuckets(topic)) + ":" + bucket);
    }

    private void hset(long bucket, String id, String entry) {
        redis.hset(bucketKey(bucket), bytes(id), bytes(entry));
    }

    /** The entry id stored for {@code id} in a bucket from {@code since} to the current one, newest first. */
    private String storedSince(long since, String id) {
        for (long b = currentBucket(); b >= since; b--) {
            byte[] entry = redis.hget(bucketKey(b), bytes(id));
            if (entry != null) {
                return string(entry);
            }
        }
        return null;
    }

    private long streamLength() {
        return redis.xlen(keys.stream(topic));
    }

    private List<String> streamEntries() {
        return redis.xrange(keys.stream(topic), io.lettuce.core.Range.unbounded()).stream().map(m -> m.getId()).toList();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String string(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
