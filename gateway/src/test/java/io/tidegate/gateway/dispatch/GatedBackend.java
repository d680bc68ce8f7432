package io.tidegate.gateway.dispatch;

import io.tidegate.gateway.backend.AppendResult;
import io.tidegate.gateway.backend.Backend;
import io.tidegate.gateway.backend.BackendSubscription;
import io.tidegate.gateway.backend.DeliverySink;
import io.tidegate.gateway.backend.EntryId;
import io.tidegate.gateway.backend.Envelope;
import io.tidegate.gateway.backend.StreamPosition;
import io.tidegate.gateway.backend.SubscriptionSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** Records append order and completes each append only when the test says so. */
final class GatedBackend implements Backend {
    final List<String> appended = new CopyOnWriteArrayList<>();
    final LinkedBlockingQueue<Runnable> pending = new LinkedBlockingQueue<>();
    volatile boolean open;

    @Override
    public CompletableFuture<List<AppendResult>> append(List<Envelope> batch) {
        CompletableFuture<List<AppendResult>> f = new CompletableFuture<>();
        List<AppendResult> results = new ArrayList<>();
        for (Envelope e : batch) {
            appended.add(e.message().getPayload().toStringUtf8());
            results.add(AppendResult.accepted(new StreamPosition(e.topic(), new EntryId(1, appended.size()))));
        }
        if (open) {
            f.complete(results);
        } else {
            pending.add(() -> f.complete(results));
        }
        return f;
    }

    void completeOne() throws InterruptedException {
        pending.poll(5, TimeUnit.SECONDS).run();
    }

    @Override
    public BackendSubscription subscribe(SubscriptionSpec spec, DeliverySink sink) {
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean isReady() {
        return true;
    }

    @Override
    public String name() {
        return "gated";
    }

    @Override
    public void close() {
    }
}
