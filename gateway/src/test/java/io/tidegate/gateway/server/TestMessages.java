package io.tidegate.gateway.server;

import com.google.protobuf.ByteString;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.Priority;
import io.tidegate.proto.v1.StartPosition;
import io.tidegate.proto.v1.Subscribe;
import io.tidegate.proto.v1.SubscriptionMode;

/** Small builders for test frames. */
final class TestMessages {

    private TestMessages() {
    }

    static Message msg(String topic, String payload) {
        return Message.newBuilder().setTopic(topic).setPayload(ByteString.copyFromUtf8(payload)).build();
    }

    static Message msg(String topic, String payload, Priority priority) {
        return msg(topic, payload).toBuilder().setPriority(priority).build();
    }

    static Subscribe.Builder broadcast(String id, String... patterns) {
        return Subscribe.newBuilder().setSubscriptionId(id).setMode(SubscriptionMode.SUBSCRIPTION_MODE_BROADCAST)
                .addAllPatterns(java.util.List.of(patterns));
    }

    static Subscribe.Builder group(String id, String group, String... patterns) {
        return Subscribe.newBuilder().setSubscriptionId(id).setMode(SubscriptionMode.SUBSCRIPTION_MODE_GROUP).setGroup(group)
                .addAllPatterns(java.util.List.of(patterns))
                .setStart(StartPosition.newBuilder().setKind(StartPosition.Kind.KIND_EARLIEST));
    }
}
