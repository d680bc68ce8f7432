package io.tidegate.gateway.security;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import io.grpc.ServerInterceptor;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.tidegate.gateway.config.GatewayConfig;
import java.time.Clock;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import org.slf4j.LoggerFactory;

/**
 * The security of one gateway, built from {@code security.*} and {@code http.auth*}: the TLS of
 * both listeners, the gRPC call authenticator, the admin port's guard and the authorisation
 * rules, plus the thread that reloads certificates, the JWKS file and the rules file when they
 * change. Each part is null when off. Close it
 * with the gateway. Thread-safe.
 */
public final class GatewaySecurity implements AutoCloseable {

    private final ServerTls tls;
    private final BearerTokens tokens;
    private final CallAuthenticator authenticator;
    private final AdminAccess adminAccess;
    private final AuthRefusals refusals = new AuthRefusals();
    private final AclRefusals aclRefusals = new AclRefusals();
    private final AclAccess acl;
    private final ScheduledExecutorService reloader;

    private GatewaySecurity(GatewayConfig.Security config, GatewayConfig.Http http, Clock clock) {
        this.tls = config.tls().enabled() ? ServerTls.load(config.tls()) : null;
        this.tokens = new BearerTokens(config, clock);
        boolean verifiesClients = tls != null && tls.verifiesClients();
        CertificateIdentities certificates = verifiesClients ? new CertificateIdentities(config.tls()) : null;
        // with client-auth=none a client CA serves the admin port's mtls alone
        boolean grpcCertificates = config.tls().clientAuth() != GatewayConfig.ClientAuth.NONE;
        CallerCheck grpcCheck = new CallerCheck(tokens, grpcCertificates ? certificates : null);
        this.authenticator = config.authEnabled() ? new CallAuthenticator(grpcCheck, refusals) : null;
        this.adminAccess = http.auth() == GatewayConfig.AdminAuth.NONE ? null
                : new AdminAccess(http, new CallerCheck(tokens, certificates), refusals);
        this.acl = config.acl().enabled() ? new AclAccess(config.acl(), aclRefusals) : null;
        if (acl != null && !config.authEnabled()) {
            LoggerFactory.getLogger(GatewaySecurity.class).warn("security.acl.enabled is true but no authentication is "
                    + "configured: callers have no identity, so only rules with who = \"*\" apply; see docs/security.md");
        }
        if (tls != null || config.jwt().enabled() || (acl != null && !config.acl().file().isEmpty())) {
            reloader = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "tidegate-security-reload");
                t.setDaemon(true);
                return t;
            });
            long every = config.tls().reloadInterval().toMillis();
            reloader.scheduleWithFixedDelay(this::reload, every, every, TimeUnit.MILLISECONDS);
        } else {
            reloader = null;
        }
    }

    /**
     * Loads the certificate, key and JWKS files and starts watching them.
     *
     * @throws IllegalArgumentException naming the key of a file that cannot be read or used
     */
    public static GatewaySecurity start(GatewayConfig.Security config, GatewayConfig.Http http, Clock clock) {
        return new GatewaySecurity(config, http, clock);
    }

    private void reload() {
        if (tls != null) {
            tls.reload();
        }
        tokens.reload();
        if (acl != null) {
            acl.reload();
        }
    }

    /** What each identity may publish, subscribe to and join: {@link TopicAccess#OPEN} when {@code security.acl.enabled} is false. */
    public TopicAccess topicAccess() {
        return acl == null ? TopicAccess.OPEN : acl;
    }

    /** Refused publishes, subscriptions and group joins, for metrics. */
    public AclRefusals aclRefusals() {
        return aclRefusals;
    }

    /** The gRPC listener's TLS, or null for plaintext. */
    public SslContext grpcTls() {
        return tls == null ? null : tls.grpcContext();
    }

    /** The interceptor that authenticates every gRPC call, or null when authentication is off. */
    public ServerInterceptor authenticator() {
        return authenticator;
    }

    /** HTTPS for the admin port (TLS 1.2+, asks for a client certificate when a client CA is set), or null. */
    public HttpsConfigurator adminHttps() {
        if (tls == null) {
            return null;
        }
        SSLContext context = tls.jdkContext();
        boolean askForCertificate = tls.verifiesClients();
        return new HttpsConfigurator(context) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters p = context.getDefaultSSLParameters();
                p.setProtocols(ServerTls.PROTOCOLS);
                // wanted, not needed: /healthz and /readyz stay open to probes without one
                p.setWantClientAuth(askForCertificate);
                params.setSSLParameters(p);
            }
        };
    }

    /** The guard of the admin port's protected paths, or null when {@code http.auth=none}. */
    public Filter adminAccess() {
        return adminAccess;
    }

    /** Refused authentications, for metrics. */
    public AuthRefusals refusals() {
        return refusals;
    }

    @Override
    public void close() {
        if (reloader != null) {
            reloader.shutdownNow();
        }
    }
}
