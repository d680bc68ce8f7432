/** Decorators and guards around the backend (breakers, retry, disk spool, deferred start); depends on backend and config only, stacked at the composition root. */
package io.tidegate.gateway.resilience;
