package io.tidegate.gateway.telemetry;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.common.Clock;
import io.opentelemetry.sdk.common.InstrumentationLibraryInfo;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.data.StatusData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.tidegate.otel.Telemetry;
import io.tidegate.otel.MessagingAttributes;
import io.tidegate.otel.PackedSpanContext;
import io.tidegate.proto.v1.Message;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * One of the gateway's spans ({@code receive}, {@code append}, {@code deliver} of one message, or
 * an {@code append} batch span), recorded in plain fields instead of through the SDK's tracer. A
 * sampled message is rare at low ratios, and an SDK span (builder, attribute map, name string,
 * hex ids, a lock, then an immutable copy for export) touched kilobytes on the hot threads for
 * each; this keeps a reference to the message, its ids as longs ({@link PackedSpanContext}) and
 * two clock readings, and leaves the attributes, the name and the hex ids to be made when the
 * span is exported.
 *
 * <p>It is its own {@link ReadableSpan} and {@link SpanData}, handed to the {@link Telemetry}'s
 * span processor when ended, so it shares the SDK spans' queue and {@link SpanExporter}.
 *
 * <p>Threading: the thread that starts a span sets its fields until {@link #end}; after that it is
 * never changed and the processor's queue publishes it to the exporting thread.
 */
final class RecordedSpan implements ReadableSpan, SpanData {

    private static final AttributeKey<Boolean> SPOOLED = AttributeKey.booleanKey("tidegate.spooled");
    private static final AttributeKey<Boolean> DUPLICATE = AttributeKey.booleanKey("tidegate.duplicate");
    private static final AttributeKey<String> SUBSCRIPTION_ID = AttributeKey.stringKey("tidegate.subscription.id");

    /** What every span of the gateway shares: where it is ended, its resource and scope, the clock. */
    record Origin(SpanProcessor processor, Resource resource, InstrumentationScopeInfo scope, Clock clock) {
    }

    private final Origin origin;
    private final PackedSpanContext context;
    private final PackedSpanContext parent;
    private final String operation;
    private final SpanKind kind;
    private final String operationType;
    private final Message message;
    private final long startEpochNanos;
    private final long startNanoTime;
    private PackedSpanContext[] links;
    private long batchSize = -1;
    private String subscriptionId;
    private Boolean spooled;
    private Boolean duplicate;
    private String error;
    private long endEpochNanos;

    /**
     * A span starting now about {@code message} (null for a batch span), child of {@code parent}
     * (null: a root span of {@code context}'s new trace).
     */
    RecordedSpan(Origin origin, PackedSpanContext context, PackedSpanContext parent, String operation, SpanKind kind,
                 String operationType, Message message) {
        this.origin = origin;
        this.context = context;
        this.parent = parent;
        this.operation = operation;
        this.kind = kind;
        this.operationType = operationType;
        this.message = message;
        this.startEpochNanos = origin.clock().now();
        this.startNanoTime = origin.clock().nanoTime();
    }

    PackedSpanContext context() {
        return context;
    }

    /** Makes this a batch span of {@code size} messages linked to these spans. */
    void batch(int size, PackedSpanContext[] linked) {
        this.batchSize = size;
        this.links = linked;
    }

    void subscription(String id) {
        this.subscriptionId = id;
    }

    void stored(boolean spooled, boolean duplicate) {
        this.spooled = spooled;
        this.duplicate = duplicate;
    }

    void failed(String reason) {
        this.error = reason;
    }

    /** Ends the span now and hands it to the processor; no change after this. */
    void end() {
        endEpochNanos = startEpochNanos + (origin.clock().nanoTime() - startNanoTime);
        origin.processor().onEnd(this);
    }

    @Override
    public String getName() {
        return message == null ? operation : operation + " " + message.getTopic();
    }

    @Override
    public SpanKind getKind() {
        return kind;
    }

    @Override
    public SpanContext getSpanContext() {
        return context;
    }

    @Override
    public SpanContext getParentSpanContext() {
        return parent == null ? SpanContext.getInvalid() : parent;
    }

    @Override
    public StatusData getStatus() {
        return error == null ? StatusData.unset() : StatusData.create(StatusCode.ERROR, error);
    }

    @Override
    public long getStartEpochNanos() {
        return startEpochNanos;
    }

    @Override
    public long getEndEpochNanos() {
        return endEpochNanos;
    }

    @Override
    public boolean hasEnded() {
        return endEpochNanos != 0;
    }

    @Override
    public long getLatencyNanos() {
        return (hasEnded() ? endEpochNanos : origin.clock().now()) - startEpochNanos;
    }

    @Override
    public Attributes getAttributes() {
        return new AttributesView();
    }

    @Override
    public <T> T getAttribute(AttributeKey<T> key) {
        return getAttributes().get(key);
    }

    @Override
    public int getTotalAttributeCount() {
        return getAttributes().size();
    }

    @Override
    public List<EventData> getEvents() {
        return List.of();
    }

    @Override
    public int getTotalRecordedEvents() {
        return 0;
    }

    @Override
    public List<LinkData> getLinks() {
        if (links == null) {
            return List.of();
        }
        List<LinkData> list = new ArrayList<>(links.length);
        for (PackedSpanContext link : links) {
            list.add(LinkData.create(link));
        }
        return list;
    }

    @Override
    public int getTotalRecordedLinks() {
        return links == null ? 0 : links.length;
    }

    @Override
    public InstrumentationScopeInfo getInstrumentationScopeInfo() {
        return origin.scope();
    }

    @Override
    @Deprecated
    public InstrumentationLibraryInfo getInstrumentationLibraryInfo() {
        return InstrumentationLibraryInfo.create(origin.scope().getName(), origin.scope().getVersion());
    }

    @Override
    public Resource getResource() {
        return origin.resource();
    }

    @Override
    public SpanData toSpanData() {
        return this;
    }

    /**
     * The span's attributes read from its fields, the same {@link MessagingAttributes#describe} sets
     * on the SDKs' spans: an exporter walks them without an attribute map being built and sorted.
     */
    private final class AttributesView implements Attributes {

        @Override
        public void forEach(BiConsumer<? super AttributeKey<?>, ? super Object> consumer) {
            consumer.accept(MessagingAttributes.MESSAGING_SYSTEM, MessagingAttributes.SYSTEM);
            consumer.accept(MessagingAttributes.OPERATION_TYPE, operationType);
            consumer.accept(MessagingAttributes.OPERATION_NAME, operation);
            if (message != null) {
                consumer.accept(MessagingAttributes.DESTINATION_NAME, message.getTopic());
                if (!message.getId().isEmpty()) {
                    consumer.accept(MessagingAttributes.MESSAGE_ID, message.getId());
                }
                consumer.accept(MessagingAttributes.PRIORITY, MessagingAttributes.priorityName(message));
            }
            if (batchSize >= 0) {
                consumer.accept(MessagingAttributes.BATCH_MESSAGE_COUNT, batchSize);
            }
            if (subscriptionId != null) {
                consumer.accept(SUBSCRIPTION_ID, subscriptionId);
            }
            if (spooled != null) {
                consumer.accept(SPOOLED, spooled);
                consumer.accept(DUPLICATE, duplicate);
            }
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> T get(AttributeKey<T> key) {
            return (T) asMap().get(key);
        }

        @Override
        public int size() {
            int[] n = {0};
            forEach((k, v) -> n[0]++);
            return n[0];
        }

        @Override
        public boolean isEmpty() {
            return false;
        }

        @Override
        public Map<AttributeKey<?>, Object> asMap() {
            Map<AttributeKey<?>, Object> map = new LinkedHashMap<>();
            forEach(map::put);
            return map;
        }

        @Override
        public AttributesBuilder toBuilder() {
            return Attributes.builder().putAll(this);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Attributes other && asMap().equals(other.asMap());
        }

        @Override
        public int hashCode() {
            return asMap().hashCode();
        }

        @Override
        public String toString() {
            return asMap().toString();
        }
    }
}
