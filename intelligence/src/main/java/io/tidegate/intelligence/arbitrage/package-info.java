/** Cross-venue arbitrage: per canonical instrument, the best bid and ask of every venue, and open / update / close signals when one venue's bid beats another's ask net of taker fees. */
package io.tidegate.intelligence.arbitrage;
