/** The operations console: a live page on the admin port over read-only views of the running gateway. */
package io.tidegate.gateway.console;
