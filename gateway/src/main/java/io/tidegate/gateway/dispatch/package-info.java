/** Ingress queues and the worker pool that hand publishes to the backend in key-safe batches; depends on backend, priority and config. */
package io.tidegate.gateway.dispatch;
