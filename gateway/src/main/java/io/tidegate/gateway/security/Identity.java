package io.tidegate.gateway.security;

import io.grpc.Context;
import java.util.Set;

/**
 * Who a call is, as proven by a bearer token or a client certificate (never by what the client
 * declares in Hello): the name per-client limits and authorisation rules are keyed by, and its
 * roles. Put in the gRPC {@link Context} of every authenticated call. Immutable.
 *
 * @param name   the identity: the token's identity claim, the API token's configured identity,
 *               or the certificate's SAN or CN
 * @param roles  roles from the token's roles claim, the API token's configuration, or
 *               {@code security.tls.client-roles}
 * @param source what proved it
 */
public record Identity(String name, Set<String> roles, Source source) {

    /** What proved an identity. */
    public enum Source { JWT, API_TOKEN, CERTIFICATE }

    private static final Context.Key<Identity> KEY = Context.key("tidegate-identity");

    public Identity {
        roles = Set.copyOf(roles);
    }

    /** True when the identity holds this role. */
    public boolean hasRole(String role) {
        return roles.contains(role);
    }

    /** The identity of the current call; null when authentication is off. */
    public static Identity current() {
        return KEY.get();
    }

    /** The context of a call made by this identity. */
    public Context attachTo(Context context) {
        return context.withValue(KEY, this);
    }
}
