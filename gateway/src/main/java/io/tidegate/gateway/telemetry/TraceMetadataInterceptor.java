package io.tidegate.gateway.telemetry;

import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.tidegate.otel.MessageHeaders;
import io.tidegate.otel.Telemetry;
import java.util.List;

/**
 * Takes a W3C trace context sent in gRPC metadata ({@code traceparent}, {@code tracestate},
 * {@code baggage}) and makes it available to the call as {@link #current()}: the unary Publish
 * uses it as the parent of messages whose headers carry none. With tracing off it does nothing.
 * Thread-safe.
 */
public final class TraceMetadataInterceptor implements ServerInterceptor {

    private static final io.grpc.Context.Key<Context> PARENT = io.grpc.Context.key("tidegate-trace-parent");
    private static final Metadata.Key<String> TRACEPARENT = Metadata.Key.of(MessageHeaders.TRACEPARENT, Metadata.ASCII_STRING_MARSHALLER);

    private static final TextMapGetter<Metadata> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Metadata carrier) {
            return List.copyOf(carrier.keys());
        }

        @Override
        public String get(Metadata carrier, String key) {
            return carrier == null ? null : carrier.get(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER));
        }
    };

    private final boolean enabled;

    public TraceMetadataInterceptor(GatewayTracing tracing) {
        this.enabled = tracing.enabled();
    }

    /** The trace context of the current call's metadata, or null. */
    public static Context current() {
        return PARENT.get();
    }

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
        if (!enabled || !headers.containsKey(TRACEPARENT)) {
            return next.startCall(call, headers);
        }
        Context parent = Telemetry.PROPAGATOR.extract(Context.root(), headers, GETTER);
        return Contexts.interceptCall(io.grpc.Context.current().withValue(PARENT, parent), call, headers, next);
    }
}
