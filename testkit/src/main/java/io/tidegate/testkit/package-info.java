/** Test fixtures: real redis-server and Redis Cluster processes on free ports (JUnit 5 extensions), a test CA, and a TCP proxy that cuts or freezes connections; depends on nothing in Tidegate. */
package io.tidegate.testkit;
