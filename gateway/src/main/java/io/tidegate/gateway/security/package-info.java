/** Transport security and identity: TLS with reloaded certificates, bearer tokens, client certificates and who a call is. */
package io.tidegate.gateway.security;
