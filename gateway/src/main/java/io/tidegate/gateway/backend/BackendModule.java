package io.tidegate.gateway.backend;

import com.google.inject.AbstractModule;

/** TEMPORARY until the backends land. */
public final class BackendModule extends AbstractModule {
}
