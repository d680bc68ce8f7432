/** Real redis-server and Redis Cluster processes on free ports for tests (JUnit 5 extensions); depends on nothing in Tidegate. */
package io.tidegate.testkit;
