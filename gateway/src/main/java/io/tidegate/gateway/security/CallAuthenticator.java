package io.tidegate.gateway.security;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.net.SocketAddress;
import javax.net.ssl.SSLSession;

/**
 * Authenticates every RPC before the service sees it: an {@code authorization: Bearer <token>}
 * header must carry a valid token; without one, a verified client certificate names the caller.
 * The {@link Identity} goes into the call's {@link Context}; a call that proves nothing ends with
 * {@code UNAUTHENTICATED} and a message saying what is missing or wrong, and is counted and
 * audited by {@link AuthRefusals}. Thread-safe.
 */
public final class CallAuthenticator implements ServerInterceptor {

    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final ServerCall.Listener<Object> NOTHING = new ServerCall.Listener<>() { };

    private final CallerCheck check;
    private final AuthRefusals refusals;

    CallAuthenticator(CallerCheck check, AuthRefusals refusals) {
        this.check = check;
        this.refusals = refusals;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        SSLSession tls = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
        Identity identity;
        try {
            identity = check.identify(headers.get(AUTHORIZATION), tls);
        } catch (Refusal refusal) {
            SocketAddress peer = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
            refusals.refused(refusal, "", String.valueOf(peer), "grpc " + call.getMethodDescriptor().getFullMethodName());
            call.close(Status.UNAUTHENTICATED.withDescription(refusal.getMessage()), new Metadata());
            return (ServerCall.Listener<Q>) NOTHING;
        }
        return Contexts.interceptCall(identity.attachTo(Context.current()), call, headers, next);
    }
}
