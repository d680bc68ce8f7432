/** The market-data tap: accepted quotes and trades, decoded once, handed to the gateway's market listeners off the publish path. */
package io.tidegate.gateway.market;
