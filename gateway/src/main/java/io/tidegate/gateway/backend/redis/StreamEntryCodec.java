package io.tidegate.gateway.backend.redis;

import com.google.protobuf.InvalidProtocolBufferException;
import io.tidegate.gateway.backend.EntryId;
import io.tidegate.gateway.backend.StoredMessage;
import io.tidegate.gateway.backend.StreamPosition;
import io.tidegate.proto.v1.Message;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The layout of one stream entry: field {@code msg} holds the protobuf-serialized {@link Message}
 * (raw bytes, so payloads stay binary-exact), field {@code at} the accepted-at time in Unix
 * nanoseconds as decimal text (readable in {@code redis-cli}). Stateless; thread-safe.
 */
final class StreamEntryCodec {

    static final byte[] MESSAGE_FIELD = "msg".getBytes(StandardCharsets.US_ASCII);
    static final byte[] ACCEPTED_FIELD = "at".getBytes(StandardCharsets.US_ASCII);

    private StreamEntryCodec() {
    }

    static byte[] acceptedNanos(long nanos) {
        return Long.toString(nanos).getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Decodes an entry read with XREAD/XREADGROUP.
     *
     * @throws MalformedEntryException when the entry was not written by Tidegate
     */
    static StoredMessage decode(String topic, String id, Map<byte[], byte[]> body, int deliveryCount) {
        EntryId entryId;
        try {
            entryId = EntryId.parse(id);
        } catch (IllegalArgumentException e) {
            throw new MalformedEntryException(topic, id, e.getMessage());
        }
        return decode(topic, entryId, body, deliveryCount);
    }

    /**
     * Decodes an entry read with XREAD/XREADGROUP whose id the caller has parsed already.
     *
     * @throws MalformedEntryException when the entry was not written by Tidegate
     */
    static StoredMessage decode(String topic, EntryId id, Map<byte[], byte[]> body, int deliveryCount) {
        byte[] message = null;
        byte[] accepted = null;
        // byte[] keys hash by identity, so the map cannot be looked up by field name.
        for (Map.Entry<byte[], byte[]> field : body.entrySet()) {
            if (Arrays.equals(field.getKey(), MESSAGE_FIELD)) {
                message = field.getValue();
            } else if (Arrays.equals(field.getKey(), ACCEPTED_FIELD)) {
                accepted = field.getValue();
            }
        }
        return decode(topic, id, message, accepted, deliveryCount);
    }

    /**
     * Decodes an entry a script returned as a flat {@code [field, value, ...]} list.
     *
     * @throws MalformedEntryException when the entry was not written by Tidegate
     */
    static StoredMessage decodeFlat(String topic, String id, List<?> fields, int deliveryCount) {
        byte[] message = null;
        byte[] accepted = null;
        for (int i = 0; i + 1 < fields.size(); i += 2) {
            if (fields.get(i) instanceof byte[] name && fields.get(i + 1) instanceof byte[] value) {
                if (Arrays.equals(name, MESSAGE_FIELD)) {
                    message = value;
                } else if (Arrays.equals(name, ACCEPTED_FIELD)) {
                    accepted = value;
                }
            }
        }
        return decode(topic, id, message, accepted, deliveryCount);
    }

    private static StoredMessage decode(String topic, String id, byte[] message, byte[] accepted, int deliveryCount) {
        EntryId entryId;
        try {
            entryId = EntryId.parse(id);
        } catch (IllegalArgumentException e) {
            throw new MalformedEntryException(topic, id, e.getMessage());
        }
        return decode(topic, entryId, message, accepted, deliveryCount);
    }

    private static StoredMessage decode(String topic, EntryId id, byte[] message, byte[] accepted, int deliveryCount) {
        if (message == null || accepted == null) {
            throw new MalformedEntryException(topic, id.toString(), "it lacks the msg or at field");
        }
        try {
            long acceptedNanos = Long.parseLong(new String(accepted, StandardCharsets.US_ASCII));
            return new StoredMessage(new StreamPosition(topic, id), Message.parseFrom(message), acceptedNanos,
                    deliveryCount);
        } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
            throw new MalformedEntryException(topic, id.toString(), e.getMessage());
        }
    }

    /** A stream entry that some other writer put into a Tidegate stream. */
    static final class MalformedEntryException extends RuntimeException {

        MalformedEntryException(String topic, String id, String why) {
            super("entry " + id + " of topic " + topic + " is not a Tidegate message: " + why, null, false, false);
        }
    }
}
