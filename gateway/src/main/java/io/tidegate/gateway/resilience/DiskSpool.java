package io.tidegate.gateway.resilience;

import io.tidegate.gateway.backend.Envelope;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.gateway.config.SettingUnusableException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A local append-only spool of {@link Envelope}s in one directory: segment files
 * {@code seg-<n>.log} of length-prefixed, CRC32C-checked records (see {@link SpoolCodec}), read
 * back in append order by the replayer, which commits what the backend accepted. Fully replayed
 * segments are deleted; when the reader catches up with the writer the whole spool is reset.
 *
 * <p>Durability: {@link #append} returns once the records are written and, with fsync policy
 * {@code ALWAYS}, forced to disk; with {@code INTERVAL} a background task forces every interval;
 * with {@code NEVER} the OS decides. The replay position is kept in a {@code checkpoint} file that
 * is not fsynced: after a crash a little may be replayed twice, which the backend's id dedup absorbs.
 *
 * <p>Recovery on open: every segment is scanned; at the first record that is short (torn by a
 * crash mid-write) or fails its CRC the segment is truncated there and the spool carries on; a
 * torn tail of the last segment is expected after a crash and logged as a warning.
 *
 * <p>One process at a time: the directory is locked ({@code lock} file) while open. Thread-safe
 * (one lock); meant for one writer-and-replayer thread plus the fsync timer.
 */
public final class DiskSpool implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DiskSpool.class);
    private static final Pattern SEGMENT = Pattern.compile("seg-(\\d{20})\\.log");
    private static final int MAX_SLOTS = 256;

    /** Where the reader is: a segment and a byte offset in it. */
    public record Cursor(long segment, long offset) {
    }

    /** Records read from the spool and the cursor just past them; commit that cursor once replayed. */
    public record Chunk(List<Envelope> envelopes, Cursor end) {
    }

    private final Path dir;
    private final long maxBytes;
    private final long segmentBytes;
    private final GatewayConfig.FsyncPolicy fsync;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final TreeMap<Long, Long> segmentSizes = new TreeMap<>();
    private final ScheduledExecutorService fsyncTimer;
    private FileChannel writer;
    private long writeSegment;
    private long readSegment;
    private long readOffset;
    private long pendingRecords;
    private boolean dirty;
    private boolean closed;

    private DiskSpool(Path dir, GatewayConfig.Spool settings, FileChannel lockChannel, FileLock lock) throws IOException {
        this.dir = dir;
        this.maxBytes = settings.maxBytes();
        this.segmentBytes = settings.segmentBytes();
        this.fsync = settings.fsync();
        this.lockChannel = lockChannel;
        this.lock = lock;
        recover();
        if (fsync == GatewayConfig.FsyncPolicy.INTERVAL) {
            fsyncTimer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "tidegate-spool-fsync");
                t.setDaemon(true);
                return t;
            });
            long micros = settings.fsyncInterval().toNanos() / 1000;
            fsyncTimer.scheduleWithFixedDelay(this::forceQuietly, micros, micros, TimeUnit.MICROSECONDS);
        } else {
            fsyncTimer = null;
        }
    }

    /**
     * Opens the first slot {@code base/slot-<n>} no other gateway holds, creating it if needed. A
     * slot left by a gateway that stopped still holds its unreplayed records; the new owner replays them.
     */
    public static DiskSpool openSlot(Path base, GatewayConfig.Spool settings) {
        for (int slot = 0; slot < MAX_SLOTS; slot++) {
            DiskSpool spool = tryOpen(base.resolve("slot-" + slot), settings);
            if (spool != null) {
                return spool;
            }
        }
        throw new SettingUnusableException("resilience.spool.dir: all " + MAX_SLOTS + " spool slots under "
                + base.toAbsolutePath() + " are locked by running gateways; set another directory", null);
    }

    /** Opens the spool in {@code dir}, or throws when another gateway holds it. */
    public static DiskSpool open(Path dir, GatewayConfig.Spool settings) {
        DiskSpool spool = tryOpen(dir, settings);
        if (spool == null) {
            throw new IllegalStateException("spool directory " + dir.toAbsolutePath() + " is locked by another gateway");
        }
        return spool;
    }

    private static DiskSpool tryOpen(Path dir, GatewayConfig.Spool settings) {
        FileChannel channel = null;
        try {
            Files.createDirectories(dir);
            channel = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null; // held by this JVM
            }
            if (lock == null) {
                channel.close();
                return null;
            }
            return new DiskSpool(dir, settings, channel, lock);
        } catch (IOException e) {
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // reported below
                }
            }
            throw new SettingUnusableException("resilience.spool.dir: cannot open the disk spool in "
                    + dir.toAbsolutePath() + " (" + e + "); set a directory this process can create and write", e);
        }
    }

    public Path dir() {
        return dir;
    }

    /**
     * Appends the batch, all or nothing, durable per the fsync policy on return.
     *
     * @throws SpoolFullException when the batch does not fit under max-bytes
     * @throws IOException        when the disk fails; the spool may then hold part of the batch,
     *                            which is replayed (the caller answers the publishes with an error,
     *                            so a client retry with the same ids is deduplicated)
     */
    public synchronized void append(List<Envelope> batch) throws IOException {
        ensureOpen();
        List<byte[]> records = new ArrayList<>(batch.size());
        long total = 0;
        for (Envelope e : batch) {
            byte[] r = SpoolCodec.encode(e);
            records.add(r);
            total += r.length;
        }
        long used = bytes();
        if (used + total > maxBytes) {
            throw new SpoolFullException(used, total, maxBytes);
        }
        if (segmentSizes.get(writeSegment) >= segmentBytes) {
            roll();
        }
        ByteBuffer[] buffers = records.stream().map(ByteBuffer::wrap).toArray(ByteBuffer[]::new);
        long position = segmentSizes.get(writeSegment);
        writer.position(position);
        long written = 0;
        while (written < total) {
            written += writer.write(buffers);
        }
        segmentSizes.put(writeSegment, position + total);
        pendingRecords += records.size();
        switch (fsync) {
            case ALWAYS -> writer.force(false);
            case INTERVAL -> dirty = true;
            case NEVER -> { }
        }
    }

    /** Reads up to {@code maxRecords} records from the replay position; empty when nothing is left. */
    public synchronized Chunk read(int maxRecords) throws IOException {
        ensureOpen();
        List<Envelope> out = new ArrayList<>();
        long segment = readSegment;
        long offset = readOffset;
        while (out.size() < maxRecords) {
            Long size = segmentSizes.get(segment);
            if (size == null) {
                break;
            }
            if (offset >= size) {
                Long next = segmentSizes.higherKey(segment);
                if (next == null) {
                    break;
                }
                segment = next;
                offset = 0;
                continue;
            }
            try (FileChannel in = FileChannel.open(segmentPath(segment), StandardOpenOption.READ)) {
                while (out.size() < maxRecords && offset < size) {
                    ByteBuffer header = ByteBuffer.allocate(SpoolCodec.HEADER_BYTES);
                    readFully(in, header, offset);
                    int length = header.getInt(0);
                    int crc = header.getInt(4);
                    byte[] payload = new byte[length];
                    readFully(in, ByteBuffer.wrap(payload), offset + SpoolCodec.HEADER_BYTES);
                    if (SpoolCodec.crc(payload, 0, length) != crc) {
                        throw new IOException("spool record at " + segmentPath(segment) + ":" + offset + " fails its CRC");
                    }
                    out.add(SpoolCodec.decode(payload));
                    offset += SpoolCodec.HEADER_BYTES + length;
                }
            }
        }
        return new Chunk(out, new Cursor(segment, offset));
    }

    /** Marks everything before {@code end} as replayed: deletes finished segments, resets when empty. */
    public synchronized void commit(Chunk chunk) throws IOException {
        ensureOpen();
        readSegment = chunk.end().segment();
        readOffset = chunk.end().offset();
        pendingRecords -= chunk.envelopes().size();
        while (segmentSizes.firstKey() < readSegment) {
            long done = segmentSizes.pollFirstEntry().getKey();
            Files.deleteIfExists(segmentPath(done));
        }
        if (isEmpty()) {
            reset();
        } else {
            writeCheckpoint();
        }
    }

    /** True when every appended record was replayed (committed). */
    public synchronized boolean isEmpty() {
        return pendingRecords == 0 && readSegment == writeSegment && readOffset == segmentSizes.get(writeSegment);
    }

    /** Records appended and not yet replayed. */
    public synchronized long pendingRecords() {
        return pendingRecords;
    }

    /** Bytes the spool occupies on disk (replayed records of a live segment included). */
    public synchronized long bytes() {
        long sum = 0;
        for (long s : segmentSizes.values()) {
            sum += s;
        }
        return sum;
    }

    public long maxBytes() {
        return maxBytes;
    }

    /** Forces written records to disk now (whatever the policy). */
    public synchronized void force() throws IOException {
        if (!closed && writer != null) {
            writer.force(false);
            dirty = false;
        }
    }

    /** Forces what is written, releases the lock. Unreplayed records stay for the next owner. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        if (fsyncTimer != null) {
            fsyncTimer.shutdownNow();
        }
        try {
            if (fsync != GatewayConfig.FsyncPolicy.NEVER) {
                writer.force(false);
            }
            if (!isEmpty()) {
                writeCheckpoint();
            }
            writer.close();
        } catch (IOException e) {
            log.warn("closing the spool in {} failed: {}", dir, e.toString());
        }
        closed = true;
        try {
            lock.release();
            lockChannel.close();
        } catch (IOException e) {
            log.warn("releasing the spool lock in {} failed: {}", dir, e.toString());
        }
    }

    private synchronized void forceQuietly() {
        if (!closed && dirty) {
            try {
                writer.force(false);
                dirty = false;
            } catch (IOException e) {
                log.error("fsync of the spool in {} failed: {}", dir, e.toString());
            }
        }
    }

    private void recover() throws IOException {
        List<Long> found = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.forEach(p -> {
                Matcher m = SEGMENT.matcher(p.getFileName().toString());
                if (m.matches()) {
                    found.add(Long.parseLong(m.group(1)));
                }
            });
        }
        found.sort(null);
        for (int i = 0; i < found.size(); i++) {
            long segment = found.get(i);
            segmentSizes.put(segment, validate(segment, i == found.size() - 1));
        }
        Cursor checkpoint = readCheckpoint();
        if (segmentSizes.isEmpty()) {
            long first = checkpoint == null ? 0 : checkpoint.segment() + 1;
            segmentSizes.put(first, 0L);
            readSegment = first;
            readOffset = 0;
        } else if (checkpoint != null && segmentSizes.containsKey(checkpoint.segment())
                && isRecordStart(checkpoint.segment(), checkpoint.offset())) {
            readSegment = checkpoint.segment();
            readOffset = checkpoint.offset();
        } else {
            if (checkpoint != null && segmentSizes.containsKey(checkpoint.segment())) {
                log.warn("spool checkpoint in {} points inside a record (segment {}, byte {}); replaying from the oldest "
                        + "segment (the backend's id dedup absorbs what is replayed twice)", dir, checkpoint.segment(),
                        checkpoint.offset());
            }
            readSegment = segmentSizes.firstKey();
            readOffset = 0;
        }
        while (segmentSizes.firstKey() < readSegment) {
            Files.deleteIfExists(segmentPath(segmentSizes.pollFirstEntry().getKey()));
        }
        writeSegment = segmentSizes.lastKey();
        writer = FileChannel.open(segmentPath(writeSegment), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        pendingRecords = countFrom(readSegment, readOffset);
        if (pendingRecords > 0) {
            log.info("spool {} holds {} unreplayed messages ({} bytes) from an earlier run", dir, pendingRecords, bytes());
        }
    }

    /** Scans a segment, truncates it at the first torn or corrupt record, returns its valid size. */
    private long validate(long segment, boolean last) throws IOException {
        Path path = segmentPath(segment);
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = ch.size();
            long offset = 0;
            String problem = null;
            ByteBuffer header = ByteBuffer.allocate(SpoolCodec.HEADER_BYTES);
            while (offset < size) {
                if (size - offset < SpoolCodec.HEADER_BYTES) {
                    problem = "a torn record header";
                    break;
                }
                header.clear();
                readFully(ch, header, offset);
                int length = header.getInt(0);
                if (length < 12 || length > SpoolCodec.MAX_PAYLOAD_BYTES) {
                    problem = "a record length of " + length;
                    break;
                }
                if (size - offset - SpoolCodec.HEADER_BYTES < length) {
                    problem = "a torn record (" + length + " bytes announced, " + (size - offset - SpoolCodec.HEADER_BYTES) + " there)";
                    break;
                }
                byte[] payload = new byte[length];
                readFully(ch, ByteBuffer.wrap(payload), offset + SpoolCodec.HEADER_BYTES);
                if (SpoolCodec.crc(payload, 0, length) != header.getInt(4)) {
                    problem = "a record that fails its CRC";
                    break;
                }
                if (!SpoolCodec.decodes(payload)) {
                    // a CRC never proves the writer was this gateway; replay must not choke on it later
                    problem = "a record that does not decode";
                    break;
                }
                offset += SpoolCodec.HEADER_BYTES + length;
            }
            if (problem != null) {
                if (last) {
                    log.warn("spool segment {} ends in {} at byte {} (a crash mid-write); dropping the {} bytes after it, "
                            + "which were never acknowledged", path, problem, offset, size - offset);
                } else {
                    log.error("spool segment {} has {} at byte {}; dropping the {} bytes after it", path, problem,
                            offset, size - offset);
                }
                ch.truncate(offset);
                ch.force(true);
            }
            return offset;
        }
    }

    /**
     * True when {@code offset} is where a record of the (validated) segment starts or where the
     * segment ends: a checkpoint anywhere else would make the reader take record bytes for a header.
     */
    private boolean isRecordStart(long segment, long offset) throws IOException {
        long size = segmentSizes.get(segment);
        if (offset < 0 || offset > size) {
            return false;
        }
        long at = 0;
        try (FileChannel ch = FileChannel.open(segmentPath(segment), StandardOpenOption.READ)) {
            ByteBuffer header = ByteBuffer.allocate(SpoolCodec.HEADER_BYTES);
            while (at < offset) {
                header.clear();
                readFully(ch, header, at);
                at += SpoolCodec.HEADER_BYTES + header.getInt(0);
            }
        }
        return at == offset;
    }

    private long countFrom(long segment, long offset) throws IOException {
        long count = 0;
        for (var e : segmentSizes.tailMap(segment, true).entrySet()) {
            long at = e.getKey() == segment ? offset : 0;
            try (FileChannel ch = FileChannel.open(segmentPath(e.getKey()), StandardOpenOption.READ)) {
                ByteBuffer header = ByteBuffer.allocate(SpoolCodec.HEADER_BYTES);
                while (at < e.getValue()) {
                    header.clear();
                    readFully(ch, header, at);
                    at += SpoolCodec.HEADER_BYTES + header.getInt(0);
                    count++;
                }
            }
        }
        return count;
    }

    private void roll() throws IOException {
        if (fsync != GatewayConfig.FsyncPolicy.NEVER) {
            writer.force(false);
        }
        writer.close();
        writeSegment++;
        segmentSizes.put(writeSegment, 0L);
        writer = FileChannel.open(segmentPath(writeSegment), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        if (fsync == GatewayConfig.FsyncPolicy.ALWAYS) {
            forceDirectory();
        }
    }

    /** Everything was replayed: drop all segments and start an empty one. */
    private void reset() throws IOException {
        writer.close();
        for (long s : segmentSizes.keySet()) {
            Files.deleteIfExists(segmentPath(s));
        }
        segmentSizes.clear();
        writeSegment++;
        segmentSizes.put(writeSegment, 0L);
        readSegment = writeSegment;
        readOffset = 0;
        pendingRecords = 0;
        writer = FileChannel.open(segmentPath(writeSegment), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        Files.deleteIfExists(dir.resolve("checkpoint"));
    }

    private void writeCheckpoint() throws IOException {
        Path tmp = dir.resolve("checkpoint.tmp");
        Files.writeString(tmp, readSegment + " " + readOffset + "\n", StandardCharsets.US_ASCII);
        Files.move(tmp, dir.resolve("checkpoint"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private Cursor readCheckpoint() {
        try {
            String[] parts = Files.readString(dir.resolve("checkpoint"), StandardCharsets.US_ASCII).trim().split(" ");
            Cursor cursor = new Cursor(Long.parseLong(parts[0]), Long.parseLong(parts[1]));
            if (cursor.segment() < 0 || cursor.segment() == Long.MAX_VALUE || cursor.offset() < 0) {
                throw new IllegalArgumentException("segment " + cursor.segment() + ", byte " + cursor.offset());
            }
            return cursor;
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException | RuntimeException e) {
            log.warn("spool checkpoint in {} is unreadable ({}); replaying from the oldest segment", dir, e.toString());
            return null;
        }
    }

    private void forceDirectory() {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // not every platform can fsync a directory
        }
    }

    private Path segmentPath(long segment) {
        return dir.resolve(String.format("seg-%020d.log", segment));
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("the spool in " + dir + " is closed");
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long at = position;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, at);
            if (n < 0) {
                throw new IOException("unexpected end of spool segment at byte " + at);
            }
            at += n;
        }
    }
}
