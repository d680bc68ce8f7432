/** Market regimes in the gateway: feeds the regime book from the market tap, publishes changes on intel.regime.*, serves IntelligenceService. */
package io.tidegate.gateway.regime;
