package io.tidegate.sdk;

import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.nio.file.Path;
import javax.net.ssl.SSLException;

/** Builds the client's TLS context from PEM files: TLS 1.2+, HTTP/2 ciphers and ALPN. Stateless. */
final class ClientTls {

    private ClientTls() {
    }

    /**
     * @param caFile    CA of the gateway's certificate; null for the JVM's trust store
     * @param chainFile client certificate chain, or null for none
     * @param keyFile   its PKCS#8 key, or null
     * @throws IllegalArgumentException naming the file that cannot be used
     */
    static SslContext context(Path caFile, Path chainFile, Path keyFile) {
        SslContextBuilder b = GrpcSslContexts.forClient().protocols("TLSv1.3", "TLSv1.2");
        if (caFile != null) {
            b.trustManager(caFile.toFile());
        }
        if (chainFile != null) {
            b.keyManager(chainFile.toFile(), keyFile.toFile());
        }
        try {
            return b.build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("TLS settings cannot be used (CA " + caFile + ", certificate " + chainFile
                    + ", key " + keyFile + "): " + e.getMessage(), e);
        }
    }
}
