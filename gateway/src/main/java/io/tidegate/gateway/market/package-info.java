/** Market data as the gateway sees it pass: accepted quote and trade publishes, decoded once, handed to in-process listeners. */
package io.tidegate.gateway.market;
