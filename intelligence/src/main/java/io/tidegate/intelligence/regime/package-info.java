/** Market regime detection per instrument in event time, beside the threshold baseline it must beat. */
package io.tidegate.intelligence.regime;
