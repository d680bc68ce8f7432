package io.tidegate.gateway.security;

import io.tidegate.gateway.config.GatewayConfig;
import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * The identity of a verified client certificate: its first SAN URI (e.g. a SPIFFE id), first SAN
 * DNS name or subject CN, as {@code security.tls.client-identity} says, with the roles
 * {@code security.tls.client-roles} gives that name. Immutable; thread-safe.
 */
final class CertificateIdentities {

    private static final int SAN_DNS = 2;
    private static final int SAN_URI = 6;

    private final GatewayConfig.ClientIdentity field;
    private final java.util.Map<String, List<String>> roles;

    CertificateIdentities(GatewayConfig.Tls config) {
        this.field = config.clientIdentity();
        this.roles = config.clientRoles();
    }

    /** The identity of the session's client certificate; null when the client sent none. */
    Identity of(SSLSession session) throws Refusal {
        if (session == null) {
            return null;
        }
        Certificate[] chain;
        try {
            chain = session.getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
        if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
            return null;
        }
        String name = name(leaf);
        if (name == null || name.isBlank()) {
            throw new Refusal(Refusal.Reason.NO_CERTIFICATE_IDENTITY, "the client certificate has no "
                    + switch (field) {
                        case SAN_URI -> "URI subject alternative name";
                        case SAN_DNS -> "DNS subject alternative name";
                        case CN -> "subject CN";
                    } + ", which names the caller here (security.tls.client-identity)");
        }
        return new Identity(name, Set.copyOf(roles.getOrDefault(name, List.of())), Identity.Source.CERTIFICATE);
    }

    private String name(X509Certificate leaf) {
        return switch (field) {
            case SAN_URI -> san(leaf, SAN_URI);
            case SAN_DNS -> san(leaf, SAN_DNS);
            case CN -> cn(leaf);
        };
    }

    private static String san(X509Certificate leaf, int type) {
        try {
            Collection<List<?>> names = leaf.getSubjectAlternativeNames();
            if (names == null) {
                return null;
            }
            for (List<?> n : names) {
                if (n.size() >= 2 && n.get(0) instanceof Integer t && t == type && n.get(1) instanceof String s) {
                    return s;
                }
            }
            return null;
        } catch (CertificateParsingException e) {
            return null;
        }
    }

    private static String cn(X509Certificate leaf) {
        try {
            for (Rdn rdn : new LdapName(leaf.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    return rdn.getValue().toString();
                }
            }
            return null;
        } catch (InvalidNameException e) {
            return null;
        }
    }
}
