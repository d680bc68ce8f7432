package io.tidegate.bench;

import io.tidegate.gateway.tuning.TuningController;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Where a tuning controller went during one load run: every tunable's value once per
 * {@code every} (the trajectory) and, when closed, its final value and steps kept and reverted,
 * so a sweep can tell a controller that settled far from the best fixed setting from one that
 * settled near it and paid for exploring.
 *
 * <p>Threading: samples on a thread of its own; {@link #describe} after {@link #close}.
 */
final class TuningTrace implements AutoCloseable {

    private final TuningController controller;
    private final ScheduledExecutorService sampler;
    private final List<List<TuningController.SettingView>> samples = new ArrayList<>();
    private List<TuningController.SettingView> last = List.of();

    TuningTrace(TuningController controller, long everyMillis) {
        this.controller = controller;
        this.sampler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tuning-trace");
            t.setDaemon(true);
            return t;
        });
        sampler.scheduleAtFixedRate(this::sample, 0, everyMillis, TimeUnit.MILLISECONDS);
    }

    private void sample() {
        List<TuningController.SettingView> now = controller.settings();
        synchronized (samples) {
            samples.add(now);
        }
    }

    @Override
    public void close() throws InterruptedException {
        sampler.shutdownNow();
        sampler.awaitTermination(1, TimeUnit.SECONDS);
        last = controller.settings();
    }

    /** One line per tunable: final value, steps kept / reverted, and the sampled values. */
    String describe() {
        StringBuilder b = new StringBuilder();
        synchronized (samples) {
            for (int i = 0; i < last.size(); i++) {
                TuningController.SettingView end = last.get(i);
                b.append(String.format(Locale.ROOT, "      %s ends %d (kept %d, reverted %d); per sample:", end.name(),
                        end.value(), end.kept(), end.reverted()));
                for (List<TuningController.SettingView> s : samples) {
                    b.append(' ').append(s.get(i).value());
                }
                b.append(System.lineSeparator());
            }
        }
        return b.toString();
    }

    /** The final value of the tunable named {@code name}, or -1 when there is none. */
    int finalValue(String name) {
        return last.stream().filter(s -> s.name().equals(name)).mapToInt(TuningController.SettingView::value)
                .findFirst().orElse(-1);
    }
}
