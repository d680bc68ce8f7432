package io.tidegate.otel;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextKey;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The sampling decision for a new trace, drawn before any span is built. Building a span only to
 * learn that it is not sampled costs a trace id, a span id, their hex strings and a span object
 * per message; at 1 % sampling that is 99 messages of waste for each one recorded. Instrumented
 * code asks {@link #sample()} first and, only when it says yes, starts the root span with
 * {@link #sampledParent(Context)} as parent, which {@link Telemetry}'s sampler records without
 * deciding again (so the ratio applies once, not squared). Uses only the OpenTelemetry API, so the
 * Java SDK can use it without the OpenTelemetry SDK on its class path. Thread-safe.
 */
public final class RootSampling {

    private static final ContextKey<Boolean> DECIDED = ContextKey.named("tidegate-root-sampled");

    private volatile double ratio;

    RootSampling(double ratio) {
        this.ratio = ratio;
    }

    /** The root sampling of {@code openTelemetry} when it is a {@link Telemetry}; null for any other set-up. */
    public static RootSampling of(OpenTelemetry openTelemetry) {
        return openTelemetry instanceof Source s ? s.rootSampling() : null;
    }

    /**
     * Changes the ratio for the traces {@link #sample()} starts from now on; the benchmark that
     * alternates 0 and the configured ratio in one gateway uses it (see {@code SamplingAlternation}).
     */
    public void ratio(double ratio) {
        if (!(ratio >= 0 && ratio <= 1)) {
            throw new IllegalArgumentException("a sampling ratio is between 0 and 1, not " + ratio);
        }
        this.ratio = ratio;
    }

    /** True with the sampling ratio's probability: a new trace starting now is recorded. */
    public boolean sample() {
        double r = ratio;
        return r >= 1 || (r > 0 && ThreadLocalRandom.current().nextDouble() < r);
    }

    /** The parent of a root span that {@link #sample()} decided to record. */
    public static Context sampledParent(Context base) {
        return base.with(DECIDED, Boolean.TRUE);
    }

    /** True when the span about to start under this parent was sampled by {@link #sample()}. */
    static boolean decided(Context parent) {
        return parent.get(DECIDED) == Boolean.TRUE;
    }

    /** A set-up that samples new traces by a known ratio, so the decision can be drawn ahead. */
    public interface Source {
        RootSampling rootSampling();
    }
}
