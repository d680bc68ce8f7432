/** Fault scenarios with real processes (Redis and replica kills, restarts, stalls, many streams); depends on the gateway, the Java SDK and testkit. */
package io.tidegate.faults;
