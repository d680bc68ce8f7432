package io.tidegate.intelligence.instrument;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

/** What a tokenizer read from one native id; mutable scratch, confined to one resolve call. */
final class IdParts {
  final List<String> currencies = new ArrayList<>();
  LocalDate expiry;
  BigDecimal strike;
  InstrumentKey.Right right;
  boolean perpetualMarker;
  double confidence = 1.0;

  void lower(double factor) {
    confidence *= factor;
  }
}
