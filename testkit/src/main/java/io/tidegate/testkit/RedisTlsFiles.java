package io.tidegate.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * The PEM files a TLS {@link RedisServer} and its clients use, issued by a {@link TestPki} in a
 * directory of their own: Redis' certificate (for localhost and 127.0.0.1) and key, the CA, and a
 * client certificate and key that Redis accepts when it requires one. Also a socket factory that
 * presents that client certificate, for the server's own set-up commands. Immutable.
 */
public record RedisTlsFiles(Path dir, Path caFile, Path serverCertFile, Path serverKeyFile, Path clientCertFile,
                            Path clientKeyFile, SSLSocketFactory adminSockets) {

    /** Issues the certificates from {@code pki} and writes them into {@code dir} (e.g. a JUnit temporary directory). */
    public static RedisTlsFiles create(TestPki pki, Path dir) {
        try {
            Files.createDirectories(dir);
            TestPki.Issued server = pki.server();
            TestPki.Issued client = pki.client("tidegate", null);
            Path ca = pki.writeCa(dir.resolve("ca.pem"));
            pki.write(server, dir.resolve("redis.pem"), dir.resolve("redis.key"));
            pki.write(client, dir.resolve("client.pem"), dir.resolve("client.key"));
            return new RedisTlsFiles(dir, ca, dir.resolve("redis.pem"), dir.resolve("redis.key"),
                    dir.resolve("client.pem"), dir.resolve("client.key"), sockets(pki.ca(), client));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the Redis TLS files", e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot issue the Redis TLS certificates: " + e.getMessage(), e);
        }
    }

    private static SSLSocketFactory sockets(X509Certificate ca, TestPki.Issued client) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        char[] none = new char[0];
        keys.setKeyEntry("client", client.key(), none, new X509Certificate[] {client.certificate(), ca});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, none);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return context.getSocketFactory();
    }
}
