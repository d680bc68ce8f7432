/**
 * The benchmark suite's Java side: the regression check of a result's figures against a stored
 * baseline's, and the summary of a JFR profile taken for a missed target.
 */
package io.tidegate.bench.suite;
