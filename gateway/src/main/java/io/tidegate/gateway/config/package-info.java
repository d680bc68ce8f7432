/** Loading, validating and holding the gateway configuration and its per-component slices; depends on nothing else in the gateway. */
package io.tidegate.gateway.config;
