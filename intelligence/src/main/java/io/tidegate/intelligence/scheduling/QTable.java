package io.tidegate.intelligence.scheduling;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * The learned action values. An action is a class and how to drain within it: actions 0..4 drain
 * CRITICAL..BULK oldest first, 5..9 drain them {@linkplain DispatchPolicy#onTimeFirst() on-time
 * keys first}. For each {@link StateEncoder} state and action, the value is how much better that
 * action did in training than what strict priority would have done (weighted misses avoided;
 * strict's own action is 0). Actions without evidence are unknown (NaN) and never chosen; a state
 * with no known action answers {@link DispatchPolicy#NONE} so the caller decides as strict
 * priority.
 *
 * <p>Threading: reads from the drain thread; writes only by the trainer, which owns its own
 * instance. The text form is one line per known state: the state, then ten values or '-'.
 */
public final class QTable {

    /** The table trained in simulation ({@code RolloutTrainer}) and shipped with the module. */
    public static final String RESOURCE = "/scheduling/q-table.txt";

    /** Actions per state: every class, oldest first and on-time first. */
    public static final int ACTIONS = 2 * TrafficClass.COUNT;

    private final float[] values;

    /** A table where every action is unknown. */
    public QTable() {
        values = new float[StateEncoder.STATES * ACTIONS];
        Arrays.fill(values, Float.NaN);
    }

    /** An independent copy. */
    public QTable copy() {
        QTable t = new QTable();
        System.arraycopy(values, 0, t.values, 0, values.length);
        return t;
    }

    /** Makes every action of a state unknown. */
    public void forget(int state) {
        Arrays.fill(values, state * ACTIONS, (state + 1) * ACTIONS, Float.NaN);
    }

    /** The action draining a class, oldest first or on-time keys first. */
    public static int action(int classIndex, boolean onTimeFirst) {
        return onTimeFirst ? classIndex + TrafficClass.COUNT : classIndex;
    }

    /** The class an action drains. */
    public static int classOf(int action) {
        return action % TrafficClass.COUNT;
    }

    /** Whether an action drains on-time keys first. */
    public static boolean onTimeFirst(int action) {
        return action >= TrafficClass.COUNT;
    }

    /** The known action on a non-empty class with the highest value, or {@link DispatchPolicy#NONE}. */
    public int best(int state, LaneSnapshot lanes) {
        int base = state * ACTIONS;
        int best = DispatchPolicy.NONE;
        float bestValue = Float.NEGATIVE_INFINITY;
        for (int a = 0; a < ACTIONS; a++) {
            float v = values[base + a];
            // strict '>' keeps the higher class, and oldest first, on ties
            if (!lanes.isEmpty(classOf(a)) && !Float.isNaN(v) && v > bestValue) {
                best = a;
                bestValue = v;
            }
        }
        return best;
    }

    /** The value of one action; NaN when unknown. */
    public float get(int state, int action) {
        return values[state * ACTIONS + action];
    }

    /** Sets the value of one action. */
    public void set(int state, int action, float value) {
        values[state * ACTIONS + action] = value;
    }

    /** Number of states with at least one known action. */
    public int knownStates() {
        int n = 0;
        for (int s = 0; s < StateEncoder.STATES; s++) {
            if (known(s)) {
                n++;
            }
        }
        return n;
    }

    /** Whether any action of the state is known. */
    public boolean known(int state) {
        for (int a = 0; a < ACTIONS; a++) {
            if (!Float.isNaN(get(state, a))) {
                return true;
            }
        }
        return false;
    }

    /** Writes the known states in the text form. */
    public void write(Writer out) throws IOException {
        out.write("# tidegate dispatch Q-table: state, then the value of draining CRITICAL HIGH NORMAL LOW BULK oldest first, then the same on-time keys first ('-' = never tried)\n");
        out.write("# states " + StateEncoder.STATES + "\n");
        for (int s = 0; s < StateEncoder.STATES; s++) {
            if (!known(s)) {
                continue;
            }
            StringBuilder line = new StringBuilder().append(s);
            for (int a = 0; a < ACTIONS; a++) {
                float v = get(s, a);
                line.append(' ').append(Float.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.3f", v));
            }
            out.write(line.append('\n').toString());
        }
    }

    /** Reads the text form; a malformed line is reported with its number. */
    public static QTable read(InputStream in) {
        QTable table = new QTable();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            int n = 0;
            while ((line = r.readLine()) != null) {
                n++;
                line = line.strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                table.readLine(line, n);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return table;
    }

    private void readLine(String line, int n) {
        String[] f = line.split("\\s+");
        try {
            int state = Integer.parseInt(f[0]);
            if (f.length != ACTIONS + 1 || state < 0 || state >= StateEncoder.STATES) {
                throw new IllegalArgumentException("Q-table line " + n + ": expected a state in [0, " + StateEncoder.STATES
                        + ") and " + ACTIONS + " values, got '" + line + "'");
            }
            for (int a = 0; a < ACTIONS; a++) {
                set(state, a, f[a + 1].equals("-") ? Float.NaN : Float.parseFloat(f[a + 1]));
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Q-table line " + n + ": not a number in '" + line + "'", e);
        }
    }

    /** The table shipped as {@link #RESOURCE}. */
    public static QTable shipped() {
        try (InputStream in = QTable.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the classpath; run RolloutTrainer");
            }
            return read(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
