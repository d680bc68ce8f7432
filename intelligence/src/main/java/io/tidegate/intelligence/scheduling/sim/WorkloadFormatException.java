package io.tidegate.intelligence.scheduling.sim;

/** A workload file that cannot be read: the message names the file, the line and what to fix. Immutable. */
public final class WorkloadFormatException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    WorkloadFormatException(String source, int line, String message) {
        super(source + ":" + line + ": " + message);
    }
}
