/** Topic names and patterns; depends on nothing else in the gateway. */
package io.tidegate.gateway.routing;
