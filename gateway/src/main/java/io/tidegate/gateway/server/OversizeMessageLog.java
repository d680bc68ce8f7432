package io.tidegate.gateway.server;

import io.grpc.Metadata;
import io.grpc.ServerStreamTracer;
import io.grpc.Status;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Names the configuration key when the transport ends a call for a message over
 * {@code grpc.max-inbound-message-bytes}: gRPC resets such a stream itself, before the gateway
 * sees the frame, so this log line is the only place that says which limit was broken. Frames
 * between {@code limits.max-frame-bytes} and the transport limit never get here: the gateway
 * refuses those with the stream kept.
 *
 * <p>Stateless: one instance serves as the tracer of every stream, so it costs no allocation
 * per call. Thread-safe.
 */
final class OversizeMessageLog extends ServerStreamTracer.Factory {

    private static final Logger log = LoggerFactory.getLogger(OversizeMessageLog.class);

    private final int maxInboundBytes;
    private final int maxFrameBytes;
    private final ServerStreamTracer tracer = new ServerStreamTracer() {
        @Override
        public void streamClosed(Status status) {
            if (status.getCode() == Status.Code.RESOURCE_EXHAUSTED && status.getDescription() != null
                    && status.getDescription().startsWith("gRPC message exceeds maximum size")) {
                log.warn("a client sent a message over grpc.max-inbound-message-bytes ({}): {}; gRPC reset its stream. "
                        + "Clients must keep frames within limits.max-frame-bytes ({}), advertised in Welcome.limits",
                        maxInboundBytes, status.getDescription(), maxFrameBytes);
            }
        }
    };

    OversizeMessageLog(int maxInboundBytes, int maxFrameBytes) {
        this.maxInboundBytes = maxInboundBytes;
        this.maxFrameBytes = maxFrameBytes;
    }

    @Override
    public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
        return tracer;
    }
}
