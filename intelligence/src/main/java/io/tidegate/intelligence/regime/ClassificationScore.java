package io.tidegate.intelligence.regime;

/**
 * A confusion matrix over the five regimes (rows: true, columns: predicted) and the scores read from it:
 * accuracy, per-class precision and recall, and macro-F1 (the mean F1 of the classes that occur in truth
 * or in prediction). Not thread-safe.
 */
public final class ClassificationScore {
    private final long[][] matrix = new long[Regime.count()][Regime.count()];

    /** Counts events [from, to) of {@code truth} against {@code predicted} (regime ordinals). */
    public ClassificationScore add(byte[] truth, byte[] predicted, int from, int to) {
        for (int i = from; i < to; i++) {
            matrix[truth[i]][predicted[i]]++;
        }
        return this;
    }

    /** Adds another score's counts to this one. */
    public ClassificationScore add(ClassificationScore other) {
        for (int t = 0; t < matrix.length; t++) {
            for (int p = 0; p < matrix.length; p++) {
                matrix[t][p] += other.matrix[t][p];
            }
        }
        return this;
    }

    public long count(Regime truth, Regime predicted) {
        return matrix[truth.ordinal()][predicted.ordinal()];
    }

    public long total() {
        long n = 0;
        for (long[] row : matrix) {
            for (long c : row) {
                n += c;
            }
        }
        return n;
    }

    public double accuracy() {
        long right = 0;
        for (int k = 0; k < matrix.length; k++) {
            right += matrix[k][k];
        }
        long n = total();
        return n == 0 ? 0 : (double) right / n;
    }

    public double precision(Regime r) {
        long predicted = 0;
        for (long[] row : matrix) {
            predicted += row[r.ordinal()];
        }
        return predicted == 0 ? 0 : (double) matrix[r.ordinal()][r.ordinal()] / predicted;
    }

    public double recall(Regime r) {
        long actual = 0;
        for (long c : matrix[r.ordinal()]) {
            actual += c;
        }
        return actual == 0 ? 0 : (double) matrix[r.ordinal()][r.ordinal()] / actual;
    }

    public double f1(Regime r) {
        double p = precision(r);
        double q = recall(r);
        return p + q == 0 ? 0 : 2 * p * q / (p + q);
    }

    public double macroF1() {
        double sum = 0;
        int classes = 0;
        for (int k = 0; k < matrix.length; k++) {
            Regime r = Regime.of(k);
            long actual = 0;
            long predicted = 0;
            for (int j = 0; j < matrix.length; j++) {
                actual += matrix[k][j];
                predicted += matrix[j][k];
            }
            if (actual + predicted > 0) {
                sum += f1(r);
                classes++;
            }
        }
        return classes == 0 ? 0 : sum / classes;
    }
}
