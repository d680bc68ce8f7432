package io.tidegate.intelligence.scheduling;

/** Logs a fallback as one WARNING line through {@link System.Logger}; the default when the host gives no listener. Any thread. */
public final class LoggingFallbackListener implements FallbackListener {

    private static final System.Logger LOG = System.getLogger(RewardWatchdog.class.getName());

    @Override
    public void onFallback(FallbackEvent event) {
        LOG.log(System.Logger.Level.WARNING, event.message());
    }
}
