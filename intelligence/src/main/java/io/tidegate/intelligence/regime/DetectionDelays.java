package io.tidegate.intelligence.regime;

import java.util.Arrays;

/**
 * Detection delay: for each true switch of regime, the number of events from the switch until the
 * classifier first says the new regime, within that segment; a segment that ends first counts as missed.
 * Not thread-safe.
 */
public final class DetectionDelays {
    private int[] delays = new int[64];
    private int detected;
    private int missed;

    /** Records the switches in events [from, to) of {@code truth}, judged by {@code predicted}. */
    public DetectionDelays add(byte[] truth, byte[] predicted, int from, int to) {
        int i = from + 1;
        while (i < to) {
            if (truth[i] == truth[i - 1]) {
                i++;
                continue;
            }
            int end = i;
            while (end < to && truth[end] == truth[i]) {
                end++;
            }
            int k = i;
            while (k < end && predicted[k] != truth[i]) {
                k++;
            }
            if (k < end) {
                record(k - i);
            } else {
                missed++;
            }
            i = end;
        }
        return this;
    }

    private void record(int delay) {
        if (detected == delays.length) {
            delays = Arrays.copyOf(delays, detected * 2);
        }
        delays[detected++] = delay;
    }

    public int detected() {
        return detected;
    }

    public int missed() {
        return missed;
    }

    public double mean() {
        long sum = 0;
        for (int i = 0; i < detected; i++) {
            sum += delays[i];
        }
        return detected == 0 ? Double.NaN : (double) sum / detected;
    }

    /** The q-quantile (0..1) of the delays of detected switches, nearest rank. */
    public int quantile(double q) {
        if (detected == 0) {
            return -1;
        }
        int[] sorted = Arrays.copyOf(delays, detected);
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(q * detected) - 1;
        return sorted[Math.max(0, Math.min(detected - 1, rank))];
    }
}
