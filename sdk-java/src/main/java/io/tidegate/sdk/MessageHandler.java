package io.tidegate.sdk;

/**
 * Receives the messages of one subscription. The client calls it on its handler executor, never
 * on a gRPC thread, one message at a time per subscription, in delivery order (so per-key order
 * holds). A handler may block; while it does, the subscription receives nothing new beyond its
 * credit. Throwing nacks the message.
 */
@FunctionalInterface
public interface MessageHandler {

    void onMessage(ReceivedMessage message) throws Exception;
}
