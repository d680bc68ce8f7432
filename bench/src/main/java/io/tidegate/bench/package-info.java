/** Load and tracing-cost measurements against a real gateway; depends on the gateway's public entry points and the Java SDK. */
package io.tidegate.bench;
