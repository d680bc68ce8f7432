/** The pre-trade risk gate: order limits per strategy and instrument, positions from execution events, and the kill switch. */
package io.tidegate.gateway.risk;
