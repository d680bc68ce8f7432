/** Message priority: levels, the lane policies, regime-aware priority and the Prioritizer seam; depends on nothing in the gateway but config and routing. */
package io.tidegate.gateway.priority;
