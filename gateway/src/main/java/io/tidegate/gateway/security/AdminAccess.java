package io.tidegate.gateway.security;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsExchange;
import io.tidegate.gateway.config.GatewayConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Guards the admin port's protected paths (everything but {@code /healthz} and {@code /readyz}):
 * a bearer token or a client certificate, as {@code http.auth} says, whose identity holds
 * {@code http.auth-role} when one is set. Answers 401 (or 403 for a missing role) with what is
 * missing; refusals are counted and audited. Thread-safe.
 */
final class AdminAccess extends Filter {

    /** The exchange attribute holding the caller's identity name once let through. */
    static final String IDENTITY_ATTRIBUTE = "tidegate.admin.identity";

    private final GatewayConfig.Http config;
    private final CallerCheck check;
    private final AuthRefusals refusals;

    AdminAccess(GatewayConfig.Http config, CallerCheck check, AuthRefusals refusals) {
        this.config = config;
        this.check = check;
        this.refusals = refusals;
    }

    @Override
    public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
        Identity identity = null;
        try {
            identity = config.auth() == GatewayConfig.AdminAuth.MTLS
                    ? check.fromCertificate(exchange instanceof HttpsExchange https ? https.getSSLSession() : null)
                    : check.fromToken(exchange.getRequestHeaders().getFirst("Authorization"));
            if (!config.authRole().isEmpty() && !identity.hasRole(config.authRole())) {
                throw new Refusal(Refusal.Reason.MISSING_ROLE, "identity " + identity.name() + " lacks the role "
                        + config.authRole() + " that the admin port requires (http.auth-role)");
            }
        } catch (Refusal refusal) {
            refusals.refused(refusal, identity == null ? "" : identity.name(), String.valueOf(exchange.getRemoteAddress()),
                    "admin " + exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath());
            refuse(exchange, refusal);
            return;
        }
        // routes that record who acted (alert acknowledgements, silences) read it from here
        exchange.setAttribute(IDENTITY_ATTRIBUTE, identity.name());
        chain.doFilter(exchange);
    }

    @Override
    public String description() {
        return "admin port authentication (http.auth)";
    }

    private void refuse(HttpExchange exchange, Refusal refusal) throws IOException {
        boolean forbidden = refusal.reason() == Refusal.Reason.MISSING_ROLE;
        if (!forbidden && config.auth() == GatewayConfig.AdminAuth.TOKEN) {
            exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"tidegate-admin\"");
        }
        byte[] body = (refusal.getMessage() + "\n").getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(forbidden ? 403 : 401, body.length);
        try (OutputStream os = exchange.getResponseBody()) {
            os.write(body);
        }
    }
}
