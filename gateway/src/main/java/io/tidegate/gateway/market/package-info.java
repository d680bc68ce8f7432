/** The market-data tap: published quotes, trades, book batches and listings, decoded once, handed to the gateway's market listeners (inline or on the tap thread). */
package io.tidegate.gateway.market;
