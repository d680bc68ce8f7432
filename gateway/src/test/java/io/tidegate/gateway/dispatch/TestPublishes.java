package io.tidegate.gateway.dispatch;

import com.google.protobuf.ByteString;
import io.tidegate.gateway.backend.AppendResult;
import io.tidegate.gateway.backend.Envelope;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.Priority;

/**
 * The publishes the dispatch tests offer: a message on topic {@code t.<key>} with its ordering key
 * and a UTF-8 payload the {@link GatedBackend} records. Stateless; any thread.
 */
final class TestPublishes {

    /** A callback for tests that read outcomes from the backend, not from the callbacks. */
    static final PendingPublish.PublishCallback IGNORE = new PendingPublish.PublishCallback() {
        @Override
        public void onAppended(AppendResult result) {
        }

        @Override
        public void onFailed(Throwable cause) {
        }
    };

    private TestPublishes() {
    }

    /** A publish of {@code payload} with ordering key {@code key}, its outcome ignored. */
    static PendingPublish publish(String key, String payload, Priority priority) {
        Message m = Message.newBuilder().setTopic("t." + key).setPriority(priority)
                .setPayload(ByteString.copyFromUtf8(payload)).build();
        return new PendingPublish(new Envelope(m, key, 0), IGNORE);
    }
}
