package io.tidegate.gateway.tuning;

import java.util.Objects;
import java.util.function.IntConsumer;
import java.util.function.IntSupplier;

/**
 * One integer setting the {@link TuningController} may move: its name (the config key it stands
 * for), the {@link Stage} it acts on, inclusive bounds, how to read its live value and how to
 * apply a new one. The component that owns the setting must make {@code apply} cheap and safe from
 * any thread (a volatile write its hot path reads once per batch, say).
 *
 * <p>Threading: immutable; {@link #value} and {@link #set} may be called from any thread.
 */
public final class Tunable {

    /**
     * Where on a message's path a setting acts, and so which rate answers a change of it first:
     * a batch size of the appends changes the ingress rate at once, a read size the delivery rate,
     * while the other rate follows only as far as the publishers and subscribers are coupled.
     */
    public enum Stage { INGRESS, DELIVERY }

    private final String name;
    private final Stage stage;
    private final int min;
    private final int max;
    private final IntSupplier current;
    private final IntConsumer apply;

    public Tunable(String name, Stage stage, int min, int max, IntSupplier current, IntConsumer apply) {
        if (min < 1 || min > max) {
            throw new IllegalArgumentException(name + ": bounds must satisfy 1 <= min <= max, got " + min + ".." + max);
        }
        this.name = Objects.requireNonNull(name, "name");
        this.stage = Objects.requireNonNull(stage, "stage");
        this.min = min;
        this.max = max;
        this.current = Objects.requireNonNull(current, "current");
        this.apply = Objects.requireNonNull(apply, "apply");
    }

    public String name() {
        return name;
    }

    public Stage stage() {
        return stage;
    }

    public int min() {
        return min;
    }

    public int max() {
        return max;
    }

    /** The live value. */
    public int value() {
        return current.getAsInt();
    }

    /** Applies {@code value} clamped into the bounds; returns what was applied. */
    public int set(int value) {
        int clamped = clamp(value);
        apply.accept(clamped);
        return clamped;
    }

    /** {@code value} moved into the bounds. */
    public int clamp(long value) {
        return (int) Math.max(min, Math.min(max, value));
    }
}
