package io.tidegate.gateway.resilience;

import com.google.protobuf.InvalidProtocolBufferException;
import io.tidegate.gateway.backend.Envelope;
import io.tidegate.proto.v1.Message;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * The on-disk form of one spooled {@link Envelope}. A record is
 * <pre>
 *   int32 length   bytes of the payload
 *   int32 crc      CRC32C of the payload
 *   payload:
 *     int64  acceptedNanos
 *     int32  ordering key length, then the key in UTF-8
 *     bytes  the Message proto (the rest of the payload)
 * </pre>
 * all big-endian. Stateless.
 */
final class SpoolCodec {

    static final int HEADER_BYTES = 8;
    /** Larger than any message the gateway accepts (grpc.max-inbound-message-bytes tops at 2 GiB, but payloads at 64 MiB). */
    static final int MAX_PAYLOAD_BYTES = 128 * 1024 * 1024;

    private SpoolCodec() {
    }

    /** The whole record, header included. */
    static byte[] encode(Envelope envelope) {
        byte[] key = envelope.orderingKey().getBytes(StandardCharsets.UTF_8);
        byte[] message = envelope.message().toByteArray();
        int payload = 8 + 4 + key.length + message.length;
        ByteBuffer buf = ByteBuffer.allocate(HEADER_BYTES + payload);
        buf.putInt(payload).putInt(0);
        buf.putLong(envelope.acceptedNanos()).putInt(key.length).put(key).put(message);
        buf.putInt(4, crc(buf.array(), HEADER_BYTES, payload));
        return buf.array();
    }

    /** Decodes a payload whose CRC was checked. */
    static Envelope decode(byte[] payload) throws InvalidProtocolBufferException {
        ByteBuffer buf = ByteBuffer.wrap(payload);
        long acceptedNanos = buf.getLong();
        int keyLength = buf.getInt();
        if (keyLength < 0 || keyLength > buf.remaining()) {
            throw new InvalidProtocolBufferException("spool record has an ordering key length of " + keyLength);
        }
        String key = new String(payload, buf.position(), keyLength, StandardCharsets.UTF_8);
        int messageAt = buf.position() + keyLength;
        Message message = Message.parseFrom(ByteBuffer.wrap(payload, messageAt, payload.length - messageAt));
        return new Envelope(message, key, acceptedNanos);
    }

    /** True when {@link #decode} takes the payload. */
    static boolean decodes(byte[] payload) {
        try {
            decode(payload);
            return true;
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            return false;
        }
    }

    static int crc(byte[] bytes, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, offset, length);
        return (int) crc.getValue();
    }
}
