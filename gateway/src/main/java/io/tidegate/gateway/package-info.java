/** Composition root: Guice modules, the backend decorator stack, gauge registration, Main and EmbeddedGateway; the only package that knows Guice and the whole GatewayConfig, and may depend on every other. */
package io.tidegate.gateway;
