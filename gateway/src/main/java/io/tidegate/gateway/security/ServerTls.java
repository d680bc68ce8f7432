package io.tidegate.gateway.security;

import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.AdvancedTlsX509TrustManager;
import io.grpc.util.CertificateUtils;
import io.tidegate.gateway.config.GatewayConfig;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyManagementException;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.KeyManager;

/**
 * The TLS material of both listeners: the server certificate chain and key, and the client CA,
 * held in key and trust managers whose contents are swapped when the files change, so new
 * connections get the new certificate while established ones keep theirs. Gives the gRPC
 * listener a Netty {@link SslContext} and the admin port a JDK {@link SSLContext}, both TLS 1.2+
 * over the same managers. Thread-safe: the managers swap atomically; {@link #reload} runs on one
 * scheduler thread.
 */
public final class ServerTls {

    /** TLS 1.0 and 1.1 are broken or deprecated (RFC 8996). */
    static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private final GatewayConfig.Tls config;
    private final AdvancedTlsX509KeyManager keys = new AdvancedTlsX509KeyManager();
    private final AdvancedTlsX509TrustManager clientCas;
    private final List<WatchedFiles> watched = new ArrayList<>();

    private ServerTls(GatewayConfig.Tls config) throws GeneralSecurityException {
        this.config = config;
        this.clientCas = config.clientCaFile().isBlank() ? null : AdvancedTlsX509TrustManager.newBuilder()
                .setVerification(AdvancedTlsX509TrustManager.Verification.CERTIFICATE_ONLY_VERIFICATION).build();
    }

    /**
     * Loads the files named by {@code security.tls}.
     *
     * @throws IllegalArgumentException naming the key of a file that cannot be read or used
     */
    public static ServerTls load(GatewayConfig.Tls config) {
        try {
            ServerTls tls = new ServerTls(config);
            Path chain = Path.of(config.certChainFile());
            Path key = Path.of(config.privateKeyFile());
            tls.watched.add(start("security.tls.cert-chain-file/private-key-file", List.of(chain, key),
                    () -> tls.loadIdentity(chain, key)));
            if (tls.clientCas != null) {
                Path ca = Path.of(config.clientCaFile());
                tls.watched.add(start("security.tls.client-ca-file", List.of(ca), () -> tls.loadClientCas(ca)));
            }
            return tls;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no TLS trust manager on this JVM", e);
        }
    }

    private static WatchedFiles start(String key, List<Path> files, WatchedFiles.Loader loader) {
        WatchedFiles w = new WatchedFiles(key, files, loader);
        try {
            w.loadNow();
        } catch (Exception e) {
            throw new IllegalArgumentException(key + ": cannot load " + files + ": " + e.getMessage(), e);
        }
        return w;
    }

    /** Checks the files and loads those that changed; never throws. */
    public void reload() {
        watched.forEach(WatchedFiles::check);
    }

    /** How often {@link #reload} should run. */
    public java.time.Duration reloadInterval() {
        return config.reloadInterval();
    }

    /** The gRPC listener's TLS: HTTP/2 ciphers and ALPN from grpc, TLS 1.2+, client certificates as configured. */
    public SslContext grpcContext() {
        SslContextBuilder b = GrpcSslContexts.configure(SslContextBuilder.forServer(keys)).protocols(PROTOCOLS);
        if (clientCas != null) {
            b.trustManager(clientCas).clientAuth(switch (config.clientAuth()) {
                case REQUIRE -> ClientAuth.REQUIRE;
                case OPTIONAL -> ClientAuth.OPTIONAL;
                // a CA set for the admin port's mtls alone: gRPC does not ask for certificates
                case NONE -> ClientAuth.NONE;
            });
        }
        try {
            return b.build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot build the gRPC TLS context", e);
        }
    }

    /** The admin port's TLS over the same key and trust managers. */
    public SSLContext jdkContext() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(new KeyManager[] {keys}, clientCas == null ? null : new TrustManager[] {clientCas}, null);
            return context;
        } catch (NoSuchAlgorithmException | KeyManagementException e) {
            throw new IllegalStateException("cannot build the admin port's TLS context", e);
        }
    }

    /** True when client certificates are verified (a client CA is configured). */
    public boolean verifiesClients() {
        return clientCas != null;
    }

    private void loadIdentity(Path chainFile, Path keyFile) throws Exception {
        X509Certificate[] chain;
        try (InputStream in = Files.newInputStream(chainFile)) {
            chain = CertificateUtils.getX509Certificates(in);
        }
        if (chain.length == 0) {
            throw new GeneralSecurityException(chainFile + " holds no PEM certificate");
        }
        PrivateKey key;
        try (InputStream in = Files.newInputStream(keyFile)) {
            key = CertificateUtils.getPrivateKey(in);
        } catch (RuntimeException e) {
            throw new GeneralSecurityException(keyFile + " is not a PEM PKCS#8 private key (\"BEGIN PRIVATE KEY\"); "
                    + "convert it with: openssl pkcs8 -topk8 -nocrypt -in old.key -out new.key", e);
        }
        checkPair(chain[0], key);
        keys.updateIdentityCredentials(chain, key);
    }

    private void loadClientCas(Path caFile) throws Exception {
        X509Certificate[] cas;
        try (InputStream in = Files.newInputStream(caFile)) {
            cas = CertificateUtils.getX509Certificates(in);
        }
        if (cas.length == 0) {
            throw new GeneralSecurityException(caFile + " holds no PEM certificate");
        }
        clientCas.updateTrustCredentials(cas);
    }

    /** A certificate written before its new key (or the other way round) must not be put in use. */
    private static void checkPair(X509Certificate leaf, PrivateKey key) throws GeneralSecurityException {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> key.getAlgorithm(); // Ed25519, Ed448
        };
        byte[] probe = "tidegate key pair check".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Signature signer = Signature.getInstance(algorithm);
        signer.initSign(key);
        signer.update(probe);
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance(algorithm);
        verifier.initVerify(leaf.getPublicKey());
        verifier.update(probe);
        if (!verifier.verify(signature)) {
            throw new GeneralSecurityException("the private key does not belong to the first certificate of the chain");
        }
    }
}
