/** The gateway's instrument registry: venue listings and learned aliases, persisted, and the InstrumentsService that answers from them. */
package io.tidegate.gateway.instruments;
