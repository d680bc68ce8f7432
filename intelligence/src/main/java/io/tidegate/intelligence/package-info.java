/** Market-aware and learned decisions in plain Java (no gRPC, no gateway types); each part has a static baseline beside it. */
package io.tidegate.intelligence;
