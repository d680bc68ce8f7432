package io.tidegate.gateway.console;

import java.util.Map;

/** Consumer groups as the backend last measured them (refreshed in the background); any thread. */
public interface GroupView {

    /** Entries not yet delivered to each group, summed over its topics. */
    Map<String, Long> lag();

    /** Entries delivered to each group and not yet acknowledged. */
    Map<String, Long> pending();
}
