package io.tidegate.gateway.security;

import javax.net.ssl.SSLSession;

/**
 * Decides who a caller is from its {@code Authorization} value and TLS session, for gRPC calls and
 * the admin port alike: a bearer token, when sent, must be valid and names the caller; otherwise
 * a verified client certificate does; otherwise the caller is refused. Thread-safe.
 */
final class CallerCheck {

    private static final String BEARER = "bearer ";

    private final BearerTokens tokens;
    private final CertificateIdentities certificates;

    /** @param certificates null when client certificates are not verified */
    CallerCheck(BearerTokens tokens, CertificateIdentities certificates) {
        this.tokens = tokens;
        this.certificates = certificates;
    }

    /** @param authorization the header value, or null */
    Identity identify(String authorization, SSLSession tls) throws Refusal {
        if (authorization != null) {
            return fromToken(authorization);
        }
        Identity fromCertificate = certificates == null ? null : certificates.of(tls);
        if (fromCertificate != null) {
            return fromCertificate;
        }
        throw new Refusal(Refusal.Reason.MISSING_CREDENTIALS, "no credentials: send "
                + (tokens.enabled() ? "the metadata \"authorization: Bearer <token>\"" : "")
                + (tokens.enabled() && certificates != null ? " or " : "")
                + (certificates != null ? "a client certificate signed by the gateway's client CA" : ""));
    }

    /** A bearer token only, for the admin port with {@code http.auth=token}. */
    Identity fromToken(String authorization) throws Refusal {
        if (authorization == null) {
            throw new Refusal(Refusal.Reason.MISSING_CREDENTIALS,
                    "no credentials: send the header \"Authorization: Bearer <token>\"");
        }
        if (authorization.length() <= BEARER.length() || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            throw new Refusal(Refusal.Reason.MALFORMED_TOKEN, "the authorization value must be \"Bearer <token>\"");
        }
        if (!tokens.enabled()) {
            throw new Refusal(Refusal.Reason.UNKNOWN_TOKEN, "this gateway accepts no bearer tokens; authenticate "
                    + "with a client certificate");
        }
        return tokens.verify(authorization.substring(BEARER.length()).trim());
    }

    /** The identity of the session's client certificate, for the admin port with {@code http.auth=mtls}. */
    Identity fromCertificate(SSLSession tls) throws Refusal {
        Identity identity = certificates == null ? null : certificates.of(tls);
        if (identity == null) {
            throw new Refusal(Refusal.Reason.MISSING_CREDENTIALS,
                    "no client certificate: present one signed by the gateway's client CA");
        }
        return identity;
    }
}
