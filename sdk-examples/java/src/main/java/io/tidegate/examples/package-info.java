/** Runnable Java examples (quote publisher and subscriber, crossing strategy) using the Java SDK as a user would; depend only on sdk-java and the proto. */
package io.tidegate.examples;
