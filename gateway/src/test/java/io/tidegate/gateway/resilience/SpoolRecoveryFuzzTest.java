package io.tidegate.gateway.resilience;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.ByteString;
import io.tidegate.gateway.backend.Envelope;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.proto.v1.Message;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Fuzzes the disk spool's recovery and decoder with spool directories a crash, a full disk or a
 * bad sector could leave: segments of valid records, records with flipped bytes or cut short,
 * arbitrary bytes, arbitrary payloads under a correct CRC, and any checkpoint text. Opening the
 * spool (gateway start-up) must never throw, and replaying it to the end must never throw nor
 * hand the backend anything that was not a record the gateway wrote. Corpus:
 * {@code SpoolRecoveryFuzzTestInputs/}; run longer as docs/fuzzing.md says.
 */
class SpoolRecoveryFuzzTest {

    private static final GatewayConfig.Spool SETTINGS = new GatewayConfig.Spool("unused", 4 << 20, 64 << 10,
            GatewayConfig.FsyncPolicy.NEVER, Duration.ofMillis(50));
    private static final Path BASE = base();

    private static Path base() {
        try {
            return Files.createTempDirectory("tidegate-spool-fuzz-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What a replayed record must be: one the harness wrote intact, or one whose payload it wrapped in a valid CRC. */
    private record Written(Message message, String key, long acceptedNanos) {
        static Written of(Envelope e) {
            return new Written(e.message(), e.orderingKey(), e.acceptedNanos());
        }
    }

    @FuzzTest(maxDuration = "5s")
    void recoveryNeverFailsStartUpNorReplaysGarbage(FuzzedDataProvider data) throws IOException {
        Path dir = BASE.resolve("spool");
        deleteRecursively(dir);
        Files.createDirectories(dir);
        Set<Written> allowed = new HashSet<>();
        int segments = data.consumeInt(1, 3);
        long segment = data.consumeLong(0, 5);
        for (int s = 0; s < segments; s++) {
            Files.write(dir.resolve(String.format("seg-%020d.log", segment)), segmentBytes(data, allowed));
            segment += data.consumeInt(1, 2);
        }
        if (data.consumeBoolean()) {
            String checkpoint = data.consumeBoolean()
                    ? data.consumeLong(-2, 8) + " " + data.consumeLong(-40, 400) + "\n"
                    : data.consumeString(40);
            Files.writeString(dir.resolve("checkpoint"), checkpoint, StandardCharsets.UTF_8);
        }
        try (DiskSpool spool = DiskSpool.open(dir, SETTINGS)) {
            for (int round = 0; round < 10_000 && !spool.isEmpty(); round++) {
                DiskSpool.Chunk chunk = spool.read(16);
                for (Envelope e : chunk.envelopes()) {
                    if (!allowed.contains(Written.of(e))) {
                        throw new AssertionError("replayed a record the gateway never wrote: " + e);
                    }
                }
                spool.commit(chunk);
                if (chunk.envelopes().isEmpty() && !spool.isEmpty()) {
                    throw new AssertionError("the spool says it holds " + spool.pendingRecords()
                            + " records but reads none");
                }
            }
        }
    }

    private static byte[] segmentBytes(FuzzedDataProvider data, Set<Written> allowed) {
        ByteBuffer out = ByteBuffer.allocate(64 << 10);
        int records = data.consumeInt(0, 6);
        for (int r = 0; r < records && out.remaining() > 4096; r++) {
            byte[] record;
            switch (data.consumeInt(0, 4)) {
                case 0, 1 -> {
                    Envelope e = envelope(data);
                    record = SpoolCodec.encode(e);
                    allowed.add(Written.of(e));
                }
                case 2 -> {
                    record = SpoolCodec.encode(envelope(data));
                    int at = data.consumeInt(0, record.length - 1);
                    record[at] ^= (byte) data.consumeInt(1, 255);
                    if (data.consumeBoolean()) {
                        record = java.util.Arrays.copyOf(record, data.consumeInt(0, record.length - 1));
                    }
                }
                case 3 -> record = data.consumeBytes(data.consumeInt(0, 64));
                default -> {
                    byte[] payload = data.consumeBytes(data.consumeInt(0, 200));
                    record = ByteBuffer.allocate(SpoolCodec.HEADER_BYTES + payload.length).putInt(payload.length)
                            .putInt(SpoolCodec.crc(payload, 0, payload.length)).put(payload).array();
                    decodable(payload).ifPresent(allowed::add);
                }
            }
            if (record.length > out.remaining()) {
                break;
            }
            out.put(record);
        }
        return java.util.Arrays.copyOf(out.array(), out.position());
    }

    /** A payload under a valid CRC that decodes is indistinguishable from a written one; replaying it is allowed. */
    private static java.util.Optional<Written> decodable(byte[] payload) {
        try {
            return java.util.Optional.of(Written.of(SpoolCodec.decode(payload)));
        } catch (IOException | RuntimeException e) {
            return java.util.Optional.empty();
        }
    }

    private static Envelope envelope(FuzzedDataProvider data) {
        Message m = Message.newBuilder().setTopic(data.consumeAsciiString(20)).setId(data.consumeAsciiString(10))
                .setPayload(ByteString.copyFrom(data.consumeBytes(data.consumeInt(0, 100)))).build();
        return new Envelope(m, data.consumeString(10), data.consumeLong());
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
