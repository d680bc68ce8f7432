package io.tidegate.otel.export;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Collection;

/**
 * An OTLP http/protobuf span exporter for a plain {@code http://} collector endpoint that costs
 * about half the CPU per span of the SDK's: spans are encoded by {@link OtlpSpanEncoder} and sent
 * by {@link HttpPoster} from the encoder's buffer on a kept-alive connection. A batch the
 * collector does not take (no connection, or an answer other than 2xx) is dropped and the export
 * reports a failure, as the SDK's exporters do; the next batch tries again. Thread-safe (exports
 * are serialised; the batch span processor calls one at a time anyway).
 */
public final class CompactOtlpHttpSpanExporter implements SpanExporter {

    private static final System.Logger LOG = System.getLogger(CompactOtlpHttpSpanExporter.class.getName());

    private final URI url;
    private final OtlpSpanEncoder encoder = new OtlpSpanEncoder();
    private final HttpPoster poster;
    private boolean failing;
    private boolean shutDown;

    /**
     * @param tracesUrl the collector's traces URL, e.g. {@code http://127.0.0.1:4318/v1/traces}
     * @param timeout   for connecting and for the collector's answer
     */
    public CompactOtlpHttpSpanExporter(URI tracesUrl, Duration timeout) {
        this.url = tracesUrl;
        this.poster = new HttpPoster(tracesUrl, "application/x-protobuf", timeout);
    }

    /** Whether this exporter can send to the endpoint: plain http with a host. */
    public static boolean supports(URI url) {
        return "http".equals(url.getScheme()) && url.getHost() != null;
    }

    @Override
    public synchronized CompletableResultCode export(Collection<SpanData> spans) {
        if (shutDown) {
            return CompletableResultCode.ofFailure();
        }
        try {
            int length = encoder.encode(spans);
            int status = poster.post(encoder.buffer(), length);
            if (status / 100 != 2) {
                return failed(spans.size(), "the collector answered HTTP " + status);
            }
            if (failing) {
                failing = false;
                LOG.log(System.Logger.Level.INFO, "span export to {0} works again", url);
            }
            return CompletableResultCode.ofSuccess();
        } catch (IOException | RuntimeException e) {
            return failed(spans.size(), e.toString());
        }
    }

    /** Logs the first failure of a run of them (a collector that is down would flood the log). */
    private CompletableResultCode failed(int spans, String reason) {
        if (!failing) {
            failing = true;
            LOG.log(System.Logger.Level.WARNING, "dropped {0} spans: export to {1} failed: {2}; further failures are not logged until an export works",
                    spans, url, reason);
        }
        return CompletableResultCode.ofFailure();
    }

    @Override
    public CompletableResultCode flush() {
        return CompletableResultCode.ofSuccess(); // export sends before it returns: nothing is held
    }

    @Override
    public synchronized CompletableResultCode shutdown() {
        shutDown = true;
        poster.close();
        return CompletableResultCode.ofSuccess();
    }
}
