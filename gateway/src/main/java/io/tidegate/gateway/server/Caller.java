package io.tidegate.gateway.server;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.tidegate.gateway.security.Identity;

/**
 * Who makes a call and from where, for authorisation and its audit lines: the authenticated
 * {@link Identity} (null when authentication is off) and the peer address. The peer is put in the
 * call's context by {@link #INTERCEPTOR}. Immutable.
 */
record Caller(Identity identity, String peer) {

    /** The gateway itself (regime and signal publishers): not subject to authorisation. */
    static final Caller GATEWAY = new Caller(null, "gateway");

    private static final Context.Key<String> PEER = Context.key("tidegate-peer");

    /** Puts each call's remote address in its context. */
    static final ServerInterceptor INTERCEPTOR = new ServerInterceptor() {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            String peer = String.valueOf(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
            return Contexts.interceptCall(Context.current().withValue(PEER, peer), call, headers, next);
        }
    };

    /** The caller of the current gRPC call. */
    static Caller current() {
        String peer = PEER.get();
        return new Caller(Identity.current(), peer == null ? "" : peer);
    }
}
