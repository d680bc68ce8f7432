package io.tidegate.intelligence.scheduling;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Measures what deciding costs per message under each policy, the way the gateway's ingress lanes
 * use it: {@link KeyOrderedLanes} drained by a railed policy ({@link PolicyFactory#create}), each
 * message reported arrived, taken (with its mark) and completed. A backlog of 2,000 messages in the
 * CRITICAL 1 : HIGH 4 : NORMAL 20 : LOW 25 : BULK 50 mix on 20 keys per class is kept in the lanes
 * while 100 arrive and 100 are taken per simulated millisecond (so the higher classes are late and
 * the learned table has choices to make). Policies: {@code strict}; {@code learned} as shipped (its
 * watchdog may fall back to strict, the table's row is printed); {@code learned-kept}, the same with
 * a watchdog tolerance of 0.999, so the table decides throughout. Rounds alternate the policies
 * (reversed every other round); time is this thread's CPU time
 * ({@code ThreadMXBean#getCurrentThreadCpuTime}, so time spent descheduled on a shared machine does
 * not count), allocation {@code ThreadMXBean#getThreadAllocatedBytes}; the checksum of every class
 * taken shows whether two policies decided alike. Run from the repository root:
 * {@code ./mvnw -q -pl intelligence -am compile exec:java -Dexec.mainClass=io.tidegate.intelligence.scheduling.DecisionCostBench
 * [-Dexec.args="ROUNDS"]}. Single-threaded.
 */
public final class DecisionCostBench {

    private static final int BACKLOG = 2_000;
    private static final int PER_STEP = 100;
    private static final long STEP_NANOS = 1_000_000;
    private static final int STEPS = 20_000;
    private static final int KEYS_PER_CLASS = 20;
    private static final int[] MIX = {1, 4, 20, 25, 50};

    /** A queued message; reused once completed, so the harness allocates nothing per message. */
    private static final class Msg {
        int level;
        long arrived;
        long mark;
    }

    private DecisionCostBench() {
    }

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        String[] policies = {"strict", "learned", "learned-kept"};
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        QTable table = QTable.shipped();
        System.out.printf(Locale.ROOT, "%,d messages per run through a backlog of %,d; %d measured rounds after 2 warm-up rounds%n",
                (long) STEPS * PER_STEP, BACKLOG, rounds);
        for (int round = -2; round < rounds; round++) {
            for (int i = 0; i < policies.length; i++) {
                String name = policies[(round & 1) == 0 ? i : policies.length - 1 - i];
                boolean[] fellBack = new boolean[1];
                SchedulingConfig config = name.equals("learned-kept")
                        ? SchedulingConfig.defaults().withWatchdog(250_000_000L, 4, 0.999) : SchedulingConfig.defaults();
                SafetyRails policy = PolicyFactory.create(name.equals("strict") ? PolicyKind.STRICT : PolicyKind.LEARNED,
                        config, table, e -> fellBack[0] = true);
                long bytes0 = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
                long cpu0 = threads.getCurrentThreadCpuTime();
                long checksum = run(policy, config);
                long cpu1 = threads.getCurrentThreadCpuTime();
                long bytes1 = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
                if (round >= 0) {
                    double n = (double) STEPS * PER_STEP;
                    System.out.printf(Locale.ROOT, "%-13s round %d: %6.1f ns CPU/message, %.4f bytes allocated/message%s (decisions checksum %d)%n",
                            name, round, (cpu1 - cpu0) / n, (bytes1 - bytes0) / n, fellBack[0] ? ", fell back" : "", checksum);
                }
            }
        }
    }

    private static long run(SafetyRails policy, SchedulingConfig config) {
        KeyOrderedLanes<Msg> lanes = new KeyOrderedLanes<>(config);
        LaneSnapshot snapshot = new LaneSnapshot();
        String[][] keys = new String[TrafficClass.COUNT][KEYS_PER_CLASS];
        for (int c = 0; c < TrafficClass.COUNT; c++) {
            for (int k = 0; k < KEYS_PER_CLASS; k++) {
                keys[c][k] = "key-" + c + "-" + k;
            }
        }
        long[] deadline = new long[TrafficClass.COUNT];
        for (int c = 0; c < TrafficClass.COUNT; c++) {
            deadline[c] = config.of(c).deadlineNanos();
        }
        List<Msg> free = new ArrayList<>();
        for (int i = 0; i < BACKLOG + 2 * PER_STEP; i++) {
            free.add(new Msg());
        }
        List<Msg> inFlight = new ArrayList<>(PER_STEP);
        List<Msg> taken = new ArrayList<>(PER_STEP);
        KeyOrderedLanes.Sink<Msg> sink = (m, level, promoted) -> taken.add(m);
        long now = 0;
        long seq = 0;
        long checksum = 0;
        for (int i = 0; i < BACKLOG; i++) {
            seq = arrive(lanes, policy, free, keys, seq, now);
        }
        for (int step = 0; step < STEPS; step++) {
            now += STEP_NANOS;
            for (int i = 0; i < PER_STEP; i++) {
                seq = arrive(lanes, policy, free, keys, seq, now);
            }
            long service = STEP_NANOS / PER_STEP;
            for (Msg m : inFlight) {
                policy.completed(m.level, now - m.arrived <= deadline[m.level], service, now, m.mark);
                free.add(m);
            }
            inFlight.clear();
            while (taken.size() < PER_STEP) {
                lanes.fill(snapshot.at(now, STEP_NANOS, 0));
                int choice = policy.choose(snapshot);
                if (choice == DispatchPolicy.NONE) {
                    break;
                }
                int from = taken.size();
                lanes.drain(choice, Math.max(1, Math.min(policy.batchLimit(choice), PER_STEP - taken.size())),
                        policy.onTimeFirst(), now, STEP_NANOS, sink);
                for (int t = from; t < taken.size(); t++) {
                    Msg m = taken.get(t);
                    m.mark = policy.taken(m.level, now);
                    checksum = checksum * 31 + m.level;
                }
            }
            inFlight.addAll(taken);
            taken.clear();
        }
        return checksum;
    }

    private static long arrive(KeyOrderedLanes<Msg> lanes, SafetyRails policy, List<Msg> free, String[][] keys,
                               long seq, long now) {
        int c = classOf(seq);
        Msg m = free.remove(free.size() - 1);
        m.level = c;
        m.arrived = now;
        m.mark = DispatchPolicy.NO_MARK;
        lanes.add(m, keys[c][(int) ((seq * 7) % KEYS_PER_CLASS)], c, now);
        policy.arrived(c, now);
        return seq + 1;
    }

    /** The class of the n-th message: the mix spread evenly over every 100. */
    private static int classOf(long n) {
        int slot = (int) (n % 100);
        for (int c = 0; c < MIX.length; c++) {
            if (slot < MIX[c]) {
                return c;
            }
            slot -= MIX[c];
        }
        return MIX.length - 1;
    }
}
