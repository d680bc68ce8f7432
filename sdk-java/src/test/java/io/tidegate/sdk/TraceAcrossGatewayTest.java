package io.tidegate.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.tidegate.gateway.EmbeddedGateway;
import io.tidegate.gateway.config.GatewayConfig;
import io.tidegate.otel.MessageHeaders;
import io.tidegate.otel.MessagingAttributes;
import io.tidegate.otel.Telemetry;
import io.tidegate.proto.v1.Message;
import io.tidegate.proto.v1.Priority;
import io.tidegate.testkit.RedisServerExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One trace from the Java SDK publisher through real gateways to the Java SDK subscriber:
 * {@code publish} → {@code receive} → {@code append} → {@code deliver} → {@code process}, each the
 * child of the one before, with the messaging attributes, on the memory backend and through Redis
 * with the delivery on the other replica. Spans go to the OpenTelemetry SDK's in-memory exporter.
 */
class TraceAcrossGatewayTest {

    @RegisterExtension
    static final RedisServerExtension REDIS = new RedisServerExtension();

    private static final AttributeKey<String> INSTANCE = AttributeKey.stringKey("service.instance.id");
    private static final AttributeKey<String> SERVICE = AttributeKey.stringKey("service.name");

    private final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    @Test
    void oneTraceFromPublisherThroughTheMemoryBackendToTheSubscriber() throws Exception {
        EmbeddedGateway gateway = gateway("gw-mem");
        Map<String, SpanData> trace = publishAndCollect(gateway, gateway, "trace.orders.BINANCE.BTCUSDT");
        assertThat(trace.get("receive").getResource().getAttribute(INSTANCE)).isEqualTo("gw-mem");
        assertThat(trace.get("deliver").getResource().getAttribute(INSTANCE)).isEqualTo("gw-mem");
    }

    @Test
    void oneTraceAcrossTwoReplicasThroughRedis() throws Exception {
        String redis = "backend.redis.uri=" + REDIS.uri();
        EmbeddedGateway a = gateway("gw-a", redis);
        EmbeddedGateway b = gateway("gw-b", redis);
        Map<String, SpanData> trace = publishAndCollect(a, b, "trace.orders.OKX.BTC-USDT");
        assertThat(trace.get("receive").getResource().getAttribute(INSTANCE)).isEqualTo("gw-a");
        assertThat(trace.get("append").getResource().getAttribute(INSTANCE)).isEqualTo("gw-a");
        // the replica that read the stream entry continued the trace from the stored headers
        assertThat(trace.get("deliver").getResource().getAttribute(INSTANCE)).isEqualTo("gw-b");
    }

    @Test
    void tracingOffLeavesHeadersAloneAndRecordsNothing() throws Exception {
        EmbeddedGateway gateway = track(EmbeddedGateway.start(GatewayConfig.defaultsWith(
                "grpc.host=127.0.0.1", "grpc.port=0", "http.port=-1"), SimpleSpanProcessor.create(spans)));
        TidegateClient sub = track(TidegateClient.builder().endpoints(gateway.target()).build());
        TidegateClient pub = track(TidegateClient.builder().endpoints(gateway.target()).build());
        List<ReceivedMessage> got = new CopyOnWriteArrayList<>();
        sub.subscribe(SubscriptionOptions.broadcast("trace.off.>"), got::add).confirmed().get();
        pub.publish(Message.newBuilder().setTopic("trace.off.x").setPayload(ByteString.copyFromUtf8("p")).build()).get();
        await().atMost(Duration.ofSeconds(20)).until(() -> got.size() == 1);
        assertThat(got.get(0).message().getHeadersMap()).isEmpty();
        assertThat(spans.getFinishedSpanItems()).isEmpty();
    }

    @Test
    void unaryPublishTakesTheTraceContextFromGrpcMetadata() throws Exception {
        EmbeddedGateway gateway = gateway("gw-unary");
        io.grpc.ManagedChannel channel = io.grpc.ManagedChannelBuilder.forTarget(gateway.target()).usePlaintext().build();
        try {
            io.grpc.Metadata metadata = new io.grpc.Metadata();
            metadata.put(io.grpc.Metadata.Key.of("traceparent", io.grpc.Metadata.ASCII_STRING_MARSHALLER),
                    "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
            var stub = io.tidegate.proto.v1.GatewayServiceGrpc.newBlockingStub(channel)
                    .withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(metadata));
            var response = stub.publish(io.tidegate.proto.v1.PublishRequest.newBuilder()
                    .addMessages(Message.newBuilder().setTopic("trace.unary.x").setPayload(ByteString.copyFromUtf8("u"))).build());
            assertThat(response.getResults(0).hasError()).isFalse();
        } finally {
            channel.shutdownNow();
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> byOperation().containsKey("append"));
        SpanData receive = byOperation().get("receive");
        assertThat(receive.getTraceId()).isEqualTo("0af7651916cd43dd8448eb211c80319c");
        assertThat(receive.getParentSpanId()).isEqualTo("b7ad6b7169203331");
    }

    private Map<String, SpanData> publishAndCollect(EmbeddedGateway publishTo, EmbeddedGateway subscribeTo, String topic)
            throws Exception {
        TidegateClient subscriber = track(TidegateClient.builder().endpoints(subscribeTo.target())
                .openTelemetry(client("strategy")).build());
        TidegateClient publisher = track(TidegateClient.builder().endpoints(publishTo.target())
                .openTelemetry(client("adapter")).build());
        List<ReceivedMessage> got = new CopyOnWriteArrayList<>();
        subscriber.subscribe(SubscriptionOptions.broadcast("trace.orders.>"), got::add).confirmed().get();

        Message m = Message.newBuilder().setTopic(topic).setId("order-1").setPriority(Priority.PRIORITY_CRITICAL)
                .setPayload(ByteString.copyFromUtf8("buy")).build();
        publisher.publish(m).get();
        await().atMost(Duration.ofSeconds(30)).until(() -> got.size() == 1 && byOperation().containsKey("process"));

        Map<String, SpanData> trace = byOperation();
        SpanData publish = trace.get("publish");
        SpanData receive = trace.get("receive");
        SpanData append = trace.get("append");
        SpanData deliver = trace.get("deliver");
        SpanData process = trace.get("process");
        assertThat(List.of(publish, receive, append, deliver, process)).allSatisfy(s -> {
            assertThat(s.getTraceId()).isEqualTo(publish.getTraceId());
            assertThat(s.getName()).isEqualTo(s.getAttributes().get(MessagingAttributes.OPERATION_NAME) + " " + topic);
            assertThat(s.getAttributes().get(MessagingAttributes.MESSAGING_SYSTEM)).isEqualTo("tidegate");
            assertThat(s.getAttributes().get(MessagingAttributes.DESTINATION_NAME)).isEqualTo(topic);
            assertThat(s.getAttributes().get(MessagingAttributes.MESSAGE_ID)).isEqualTo("order-1");
            assertThat(s.getAttributes().get(MessagingAttributes.PRIORITY)).isEqualTo("CRITICAL");
        });
        assertThat(publish.getParentSpanContext().isValid()).isFalse();
        assertThat(receive.getParentSpanId()).isEqualTo(publish.getSpanId());
        assertThat(append.getParentSpanId()).isEqualTo(receive.getSpanId());
        assertThat(deliver.getParentSpanId()).isEqualTo(append.getSpanId());
        assertThat(process.getParentSpanId()).isEqualTo(deliver.getSpanId());

        assertThat(publish.getKind()).isEqualTo(SpanKind.PRODUCER);
        assertThat(receive.getKind()).isEqualTo(SpanKind.SERVER);
        assertThat(append.getKind()).isEqualTo(SpanKind.CLIENT);
        assertThat(deliver.getKind()).isEqualTo(SpanKind.PRODUCER);
        assertThat(process.getKind()).isEqualTo(SpanKind.CONSUMER);
        assertThat(publish.getAttributes().get(MessagingAttributes.OPERATION_TYPE)).isEqualTo("send");
        assertThat(receive.getAttributes().get(MessagingAttributes.OPERATION_TYPE)).isEqualTo("receive");
        assertThat(process.getAttributes().get(MessagingAttributes.OPERATION_TYPE)).isEqualTo("process");

        assertThat(publish.getResource().getAttribute(SERVICE)).isEqualTo("adapter");
        assertThat(receive.getResource().getAttribute(SERVICE)).isEqualTo("tidegate-gateway");
        assertThat(process.getResource().getAttribute(SERVICE)).isEqualTo("strategy");
        // the subscriber got the delivery span's context in the headers
        assertThat(got.get(0).message().getHeadersOrThrow(MessageHeaders.TRACEPARENT)).contains(deliver.getSpanId());
        return trace;
    }

    /** The finished spans by operation (first word of the name); fails on two of a kind. */
    private Map<String, SpanData> byOperation() {
        Map<String, SpanData> by = new java.util.HashMap<>();
        for (SpanData s : spans.getFinishedSpanItems()) {
            String op = s.getName().split(" ")[0];
            assertThat(by.put(op, s)).as("a second %s span: %s", op, s).isNull();
        }
        return by;
    }

    private EmbeddedGateway gateway(String id, String... more) {
        List<String> overrides = new ArrayList<>(List.of("grpc.host=127.0.0.1", "grpc.port=0", "http.port=-1",
                "gateway-id=" + id, "otel.enabled=true", "otel.sampling-ratio=1.0"));
        overrides.addAll(List.of(more));
        return track(EmbeddedGateway.start(GatewayConfig.defaultsWith(overrides.toArray(String[]::new)),
                SimpleSpanProcessor.create(spans)));
    }

    private OpenTelemetrySdk client(String serviceName) {
        OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder()
                        .setResource(Resource.create(Attributes.of(SERVICE, serviceName)))
                        .addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
                .setPropagators(ContextPropagators.create(Telemetry.PROPAGATOR))
                .build();
        return track(sdk);
    }

    private <T extends AutoCloseable> T track(T closeable) {
        open.add(closeable);
        return closeable;
    }
}
