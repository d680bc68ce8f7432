/** Automatic remediation: watchdogs that fix what they can (guarded, logged, counted) and report what they cannot. */
package io.tidegate.gateway.remediation;
