/** The benchmark suite's regression check: a result's figures against a stored baseline's. */
package io.tidegate.bench.suite;
