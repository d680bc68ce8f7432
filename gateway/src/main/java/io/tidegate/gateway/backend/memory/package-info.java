/** The embedded in-process backend; depends on backend, config slices and routing only. */
package io.tidegate.gateway.backend.memory;
