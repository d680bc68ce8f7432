/** Cross-venue arbitrage in the gateway: quotes from the publish path into the detector, its signals out on signals.arb.* topics. */
package io.tidegate.gateway.arbitrage;
