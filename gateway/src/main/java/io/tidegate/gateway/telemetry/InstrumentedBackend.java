package io.tidegate.gateway.telemetry;

import io.tidegate.gateway.backend.AppendResult;
import io.tidegate.gateway.backend.Backend;
import io.tidegate.gateway.backend.Envelope;
import io.tidegate.gateway.backend.ForwardingBackend;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The backend as the dispatcher sees it: every append batch is counted and timed
 * ({@link GatewayMetrics}) and its sampled messages get {@code append} spans whose context is
 * stored with the message ({@link GatewayTracing}), so whichever replica reads the entry continues
 * the trace. Everything else goes straight to the delegate. Thread-safe like the delegate.
 */
public final class InstrumentedBackend extends ForwardingBackend {

    private final Backend delegate;
    private final GatewayTracing tracing;
    private final GatewayMetrics metrics;

    public InstrumentedBackend(Backend delegate, GatewayTracing tracing, GatewayMetrics metrics) {
        this.delegate = delegate;
        this.tracing = tracing;
        this.metrics = metrics;
    }

    @Override
    protected Backend delegate() {
        return delegate;
    }

    @Override
    public CompletableFuture<List<AppendResult>> append(List<Envelope> batch) {
        metrics.appending(batch);
        GatewayTracing.Append spans = tracing.append(batch);
        if (spans == null) {
            return delegate.append(batch);
        }
        CompletableFuture<List<AppendResult>> result;
        try {
            result = delegate.append(spans.batch());
        } catch (RuntimeException e) {
            spans.end(e);
            throw e;
        }
        return result.whenComplete((r, error) -> spans.end(error));
    }
}
