/** Alert rules over the gateway's metrics and health, their lifecycle, escalation and notification channels. */
package io.tidegate.gateway.alerting;
