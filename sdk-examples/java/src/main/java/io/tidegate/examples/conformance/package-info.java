/** The Java runner of the shared client conformance scenario (conformance/scenario.json); depends only on sdk-java and the proto. */
package io.tidegate.examples.conformance;
