/** Admin HTTP (metrics, readiness), log format and log bridging; depends on backend (readiness) and config only. */
package io.tidegate.gateway.monitoring;
