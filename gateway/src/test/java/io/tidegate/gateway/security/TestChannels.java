package io.tidegate.gateway.security;

import io.tidegate.testkit.TestPki;

import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.stub.MetadataUtils;
import io.tidegate.proto.v1.GatewayServiceGrpc;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.PublishRequest;
import io.tidegate.proto.v1.PublishResponse;
import com.google.protobuf.ByteString;
import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.gateway.config.GatewayConfig;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.net.Socket;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/** gRPC channels to a test gateway: plaintext or TLS, with a client certificate and a bearer token when given. */
final class TestChannels {

    private TestChannels() {
    }

    /**
     * A gateway serving TLS with a server certificate from {@code pki} (files written to
     * {@code dir}) and trusting client certificates of its CA, over {@code settings}.
     */
    static EmbeddedGateway tlsGateway(TestPki pki, Path dir, List<String> settings) throws Exception {
        Path chain = dir.resolve("server.pem");
        Path key = dir.resolve("server.key");
        pki.write(pki.server(), chain, key);
        List<String> all = new ArrayList<>(List.of("security.tls.cert-chain-file=" + chain,
                "security.tls.private-key-file=" + key,
                "security.tls.client-ca-file=" + pki.writeCa(dir.resolve("ca.pem"))));
        all.addAll(settings);
        return EmbeddedGateway.start(GatewayConfig.defaultsWith(all.toArray(String[]::new)));
    }

    static ManagedChannel plaintext(int port) {
        return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    }

    /**
     * @param client the client certificate to present, or null
     * @param seen   collects the serial of every server certificate this channel is shown
     */
    static ManagedChannel tls(int port, X509Certificate ca, TestPki.Issued client, List<BigInteger> seen) throws Exception {
        SslContextBuilder b = GrpcSslContexts.forClient().trustManager(new Recording(trusting(ca), seen));
        if (client != null) {
            b.keyManager(client.key(), client.certificate());
        }
        return NettyChannelBuilder.forAddress("localhost", port).sslContext(b.build()).build();
    }

    /** A stub whose calls carry {@code authorization: Bearer <token>}. */
    static GatewayServiceGrpc.GatewayServiceBlockingStub withToken(ManagedChannel channel, String token) {
        var stub = GatewayServiceGrpc.newBlockingStub(channel);
        return token == null ? stub : stub.withInterceptors(bearer(token));
    }

    static ClientInterceptor bearer(String token) {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        return MetadataUtils.newAttachHeadersInterceptor(headers);
    }

    static PublishResponse publishOne(GatewayServiceGrpc.GatewayServiceBlockingStub stub, String topic) {
        return stub.publish(PublishRequest.newBuilder().addMessages(Message.newBuilder().setTopic(topic)
                .setPayload(ByteString.copyFromUtf8("x"))).build());
    }

    /** A JDK TLS context trusting this CA, presenting the client certificate when not null. */
    static javax.net.ssl.SSLContext jdkContext(X509Certificate ca, TestPki.Issued client) throws Exception {
        javax.net.ssl.KeyManager[] keys = null;
        if (client != null) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("client", client.key(), new char[0], new java.security.cert.Certificate[] {client.certificate(), ca});
            javax.net.ssl.KeyManagerFactory f = javax.net.ssl.KeyManagerFactory.getInstance(javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
            f.init(store, new char[0]);
            keys = f.getKeyManagers();
        }
        javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
        context.init(keys, new javax.net.ssl.TrustManager[] {trusting(ca)}, null);
        return context;
    }

    static X509TrustManager trusting(X509Certificate ca) throws Exception {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        store.setCertificateEntry("ca", ca);
        TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        f.init(store);
        return (X509TrustManager) f.getTrustManagers()[0];
    }

    /** Trusts what the delegate trusts and notes the serial of each server certificate. */
    private static final class Recording extends X509ExtendedTrustManager {
        private final X509TrustManager delegate;
        private final List<BigInteger> seen;

        Recording(X509TrustManager delegate, List<BigInteger> seen) {
            this.delegate = delegate;
            this.seen = seen == null ? new CopyOnWriteArrayList<>() : seen;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws java.security.cert.CertificateException {
            delegate.checkServerTrusted(chain, authType);
            seen.add(chain[0].getSerialNumber());
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws java.security.cert.CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws java.security.cert.CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws java.security.cert.CertificateException {
            delegate.checkClientTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws java.security.cert.CertificateException {
            checkClientTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws java.security.cert.CertificateException {
            checkClientTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return delegate.getAcceptedIssuers();
        }
    }
}
