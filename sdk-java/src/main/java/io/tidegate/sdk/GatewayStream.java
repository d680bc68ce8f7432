package io.tidegate.sdk;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.tidegate.proto.v1.ConnectRequest;
import io.tidegate.proto.v1.GatewayServiceGrpc;
import io.tidegate.proto.v1.ConnectResponse;
import java.util.concurrent.TimeUnit;

/**
 * One Connect stream to one gateway, on a channel of its own (so a new connection attempt never
 * waits on gRPC's internal reconnect backoff). {@link #send} is thread-safe and never blocks on
 * the network; inbound frames go to the {@link Listener} on gRPC threads, in order.
 */
final class GatewayStream implements ClientResponseObserver<ConnectRequest, ConnectResponse> {

    /** Receives what happens on a stream. Called on gRPC threads; must not block. */
    interface Listener {
        void onFrame(GatewayStream stream, ConnectResponse frame);

        void onClosed(GatewayStream stream, Throwable cause);
    }

    private final Endpoint endpoint;
    private final ManagedChannel channel;
    private final Listener listener;
    private final Object sendLock = new Object();
    private ClientCallStreamObserver<ConnectRequest> requests;
    private boolean sendClosed;
    private volatile boolean closed;
    private volatile long lastInboundNanos = System.nanoTime();
    private volatile String sessionId = "";
    private volatile String gatewayId = "";

    private GatewayStream(Endpoint endpoint, ManagedChannel channel, Listener listener) {
        this.endpoint = endpoint;
        this.channel = channel;
        this.listener = listener;
    }

    static GatewayStream open(Endpoint endpoint, ClientSettings settings, Listener listener) {
        NettyChannelBuilder cb = NettyChannelBuilder.forAddress(endpoint.host(), endpoint.port());
        if (settings.tls() != null) {
            cb.sslContext(settings.tls());
        } else {
            cb.usePlaintext();
        }
        if (settings.bearerToken() != null) {
            cb.intercept(new BearerToken(settings.bearerToken()));
        }
        cb.maxInboundMessageSize(settings.maxInboundMessageBytes())
                .keepAliveWithoutCalls(true);
        if (!settings.keepaliveTime().isZero()) {
            cb.keepAliveTime(settings.keepaliveTime().toNanos(), TimeUnit.NANOSECONDS)
                    .keepAliveTimeout(settings.keepaliveTimeout().toNanos(), TimeUnit.NANOSECONDS);
        }
        ManagedChannel channel = cb.build();
        GatewayStream stream = new GatewayStream(endpoint, channel, listener);
        GatewayServiceGrpc.newStub(channel).connect(stream);
        return stream;
    }

    Endpoint endpoint() {
        return endpoint;
    }

    /** The stream's channel (with its TLS and token), for the gateway's unary services. */
    io.grpc.Channel channel() {
        return channel;
    }

    long lastInboundNanos() {
        return lastInboundNanos;
    }

    boolean isClosed() {
        return closed;
    }

    String sessionId() {
        return sessionId;
    }

    String gatewayId() {
        return gatewayId;
    }

    void welcomed(String sessionId, String gatewayId) {
        this.sessionId = sessionId;
        this.gatewayId = gatewayId;
    }

    /** Sends a frame; false when the stream is already closed (the frame is not sent). */
    boolean send(ConnectRequest frame) {
        synchronized (sendLock) {
            if (sendClosed || closed || requests == null) {
                return false;
            }
            try {
                requests.onNext(frame);
                return true;
            } catch (RuntimeException e) {
                return false;
            }
        }
    }

    /** Half-closes: the gateway may still send. */
    void finishSending() {
        synchronized (sendLock) {
            if (!sendClosed && requests != null && !closed) {
                sendClosed = true;
                try {
                    requests.onCompleted();
                } catch (RuntimeException ignored) {
                    // already cancelled
                }
            }
        }
    }

    /** Cancels the stream and drops the channel; {@link Listener#onClosed} follows. */
    void cancel(String reason) {
        synchronized (sendLock) {
            sendClosed = true;
            if (requests != null) {
                requests.cancel(reason, null);
            }
        }
        channel.shutdownNow();
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<ConnectRequest> requestStream) {
        synchronized (sendLock) {
            this.requests = requestStream;
        }
    }

    @Override
    public void onNext(ConnectResponse frame) {
        lastInboundNanos = System.nanoTime();
        listener.onFrame(this, frame);
    }

    @Override
    public void onError(Throwable t) {
        closed = true;
        channel.shutdownNow();
        listener.onClosed(this, t);
    }

    @Override
    public void onCompleted() {
        closed = true;
        channel.shutdown();
        listener.onClosed(this, Status.UNAVAILABLE.withDescription("gateway closed the stream").asRuntimeException());
    }

    @Override
    public String toString() {
        return "stream to " + endpoint + (sessionId.isEmpty() ? "" : " (session " + sessionId + ")");
    }
}
