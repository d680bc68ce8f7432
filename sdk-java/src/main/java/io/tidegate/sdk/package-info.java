/** The Java client of the Tidegate gateway (connect, publish, subscribe, reconnect and resume); depends on proto and otel only. */
package io.tidegate.sdk;
