package io.tidegate.intelligence.instrument;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Resolves a bare (venue, segment, native id), with no listing to look it up in, to an
 * {@link InstrumentKey}. Generic rules read separators, glued quote suffixes, perpetual markers,
 * date formats, strikes and rights, reversed pairs and common aliases; venue rules (binance, okx,
 * bybit, coinbase, kraken, deribit, bitmex, kucoin, bitfinex, gate) add what only that venue
 * spells its own way. Junk input gives an empty result, never an exception.
 *
 * <p>Immutable and thread-safe.
 */
public final class SymbolResolver {
  private static final Pattern ALLOWED = Pattern.compile("[A-Z0-9._:/-]{2,64}");
  private static final Pattern SEPARATORS = Pattern.compile("[-_/:]+");
  private static final Pattern STRIKE = Pattern.compile("\\d+(?:[.D]\\d+)?");
  private static final Set<String> PERP_MARKERS = Set.of("SWAP", "PERP", "PERPETUAL");
  /** Quote currencies a glued id may end in; longest tried first so USDT wins over USD. */
  private static final List<String> QUOTES = List.of(
          "USDT", "USDC", "BUSD", "TUSD", "USDP", "USDS", "USDK", "FDUSD", "DAI", "PAX", "UST",
          "BIDR", "IDRT", "BKRW", "BVND", "VAI", "CNHT", "GYEN", "XCHF", "USD", "EUR", "GBP",
          "JPY", "AUD", "CAD", "CHF", "TRY", "BRL", "RUB", "UAH", "NGN", "ZAR", "SGD", "KRW",
          "BTC", "XBT", "ETH", "BNB", "TRX", "XRP", "DOT", "KCS", "OKB", "EOS", "SOL")
      .stream().sorted(Comparator.comparingInt(String::length).reversed()).toList();
  /** Fiat and stable coins: a pair of two of them keeps its order, one of them first is read as reversed. */
  private static final Set<String> FIAT_AND_STABLE = Set.of(
      "USDT", "USDC", "BUSD", "TUSD", "USDP", "USDS", "USDK", "FDUSD", "DAI", "PAX", "UST", "BIDR", "IDRT",
      "BKRW", "BVND", "VAI", "CNHT", "GYEN", "XCHF", "USD", "EUR", "GBP", "JPY", "AUD", "CAD", "CHF", "TRY",
      "BRL", "RUB", "UAH", "NGN", "ZAR", "SGD", "KRW");
  private static final Map<String, String> ALIASES = Map.of("XBT", "BTC", "XDG", "DOGE", "BCHSV", "BSV");
  /** Bitfinex's own three-letter codes (its pub:map:currency:sym table). */
  private static final Map<String, String> BITFINEX = Map.ofEntries(
      Map.entry("UST", "USDT"), Map.entry("ALG", "ALGO"), Map.entry("AMP", "AMPL"),
      Map.entry("ATO", "ATOM"), Map.entry("DSH", "DASH"), Map.entry("DAT", "DATA"),
      Map.entry("IOT", "IOTA"), Map.entry("MNA", "MANA"), Map.entry("QSH", "QASH"),
      Map.entry("QTM", "QTUM"), Map.entry("EUS", "EURS"), Map.entry("EUT", "EURT"),
      Map.entry("IQX", "IQ"), Map.entry("YYW", "YOYOW"), Map.entry("BCHN", "BCH"),
      Map.entry("MIT", "MITH"), Map.entry("SNG", "SNGLS"), Map.entry("STJ", "STORJ"),
      Map.entry("SPK", "SPANK"), Map.entry("PAS", "PASS"), Map.entry("ORS", "ORS"));
  private static final Set<String> KRAKEN_FIAT = Set.of("USD", "EUR", "GBP", "JPY", "CAD", "AUD", "CHF");

  private final boolean venueRules;

  private SymbolResolver(boolean venueRules) {
    this.venueRules = venueRules;
  }

  /** Generic rules plus the rules of the ten known venues. */
  public static SymbolResolver withVenueRules() {
    return new SymbolResolver(true);
  }

  /** Generic rules only: how the resolver does on a venue it has never seen. */
  public static SymbolResolver genericOnly() {
    return new SymbolResolver(false);
  }

  /** The key a native id names, or empty when the id cannot be read; never throws. */
  public Optional<Resolution> resolve(String venue, String segmentName, String nativeId) {
    try {
      Optional<Segment> segment = Segment.of(segmentName);
      if (nativeId == null || segment.isEmpty()) {
        return Optional.empty();
      }
      String v = venueRules && venue != null ? venue.trim().toLowerCase(Locale.ROOT) : "";
      return Optional.ofNullable(resolve(v, segment.get(), nativeId.trim().toUpperCase(Locale.ROOT)));
    } catch (RuntimeException e) {
      // a rule that trips on an odd id must not take the caller down; the id is simply unread
      return Optional.empty();
    }
  }

  private Resolution resolve(String venue, Segment segment, String id) {
    if (!ALLOWED.matcher(id).matches()) {
      return null;
    }
    IdParts parts = new IdParts();
    String prepared = prepare(venue, segment, id);
    boolean first = true;
    for (String token : SEPARATORS.split(prepared)) {
      if (!token.isEmpty()) {
        read(token, first, parts);
        first = false;
      }
    }
    return build(venue, segment, parts);
  }

  /** Venue spellings rewritten into the generic shape the tokenizer reads. */
  private static String prepare(String venue, Segment segment, String id) {
    return switch (venue) {
      case "bitfinex" -> (id.startsWith("T") || id.startsWith("F") ? id.substring(1) : id).replace("F0", "");
      case "kraken" -> kraken(id);
      case "kucoin" -> segment != Segment.SPOT && id.endsWith("M") && !id.contains("-") ? id.substring(0, id.length() - 1) : id;
      default -> id;
    };
  }

  /** {@code XXBTZUSD}: four-letter halves with X (crypto) and Z (fiat) prefixes. */
  private static String kraken(String id) {
    if (id.length() == 8 && "XZ".indexOf(id.charAt(0)) >= 0 && "XZ".indexOf(id.charAt(4)) >= 0) {
      return id.substring(1, 4) + "/" + id.substring(5);
    }
    if (id.length() == 8 && id.charAt(4) == 'Z' && KRAKEN_FIAT.contains(id.substring(5))) {
      return id.substring(0, 4) + "/" + id.substring(5);
    }
    // Kraken quotes nothing in TUSD glued, so ANTUSD is ANT/USD, not AN/TUSD
    if (!id.contains("/") && id.endsWith("TUSD") && id.length() > 5) {
      return id.substring(0, id.length() - 3) + "/USD";
    }
    return id;
  }

  /** A marker word in first place is a currency (OKX {@code PERP-USDT}), elsewhere it marks a swap. */
  private static void read(String token, boolean first, IdParts parts) {
    if (PERP_MARKERS.contains(token) && !first) {
      parts.perpetualMarker = true;
      return;
    }
    LocalDate date = parts.expiry == null ? ExpiryFormats.parse(token) : null;
    if (date != null) {
      parts.expiry = date;
      return;
    }
    if (parts.expiry != null && parts.strike == null && STRIKE.matcher(token).matches()) {
      parts.strike = new BigDecimal(token.replace('D', '.'));
      return;
    }
    if (parts.strike != null && parts.right == null && (token.equals("C") || token.equals("P"))) {
      parts.right = token.equals("C") ? InstrumentKey.Right.CALL : InstrumentKey.Right.PUT;
      return;
    }
    readCurrency(token, parts);
  }

  /** A currency token, possibly glued ({@code BTCUSDT}, {@code BTCUSDPERP}, {@code XBTU21}). */
  private static void readCurrency(String token, IdParts parts) {
    String t = token;
    if (t.endsWith("PERP") && t.length() > 4 && !PERP_MARKERS.contains(t)) {
      parts.perpetualMarker = true;
      t = t.substring(0, t.length() - 4);
    }
    int n = t.length();
    if (parts.expiry == null && n > 4 && Character.isLetter(t.charAt(n - 4))
        && ExpiryFormats.allDigits(t.substring(n - 2))) {
      LocalDate monthly = ExpiryFormats.monthCode(t.charAt(n - 3), t.substring(n - 2));
      if (monthly != null) {
        parts.expiry = monthly;
        parts.lower(0.9);
        t = t.substring(0, n - 3);
      }
    }
    if (!t.isEmpty() && t.chars().allMatch(Character::isLetterOrDigit)) {
      parts.currencies.add(t);
    }
  }

  private Resolution build(String venue, Segment segment, IdParts parts) {
    String[] pair = pair(venue, segment, parts);
    if (pair == null) {
      return null;
    }
    String base = alias(venue, pair[0]);
    String quote = alias(venue, pair[1]);
    if (base.equals(quote)) {
      return null;
    }
    InstrumentKey.Kind kind = kind(segment, parts);
    String settle = settle(venue, segment, kind, base, quote);
    if (kind == null || settle == null) {
      return null;
    }
    InstrumentKey key = new InstrumentKey(base, quote, settle, kind, parts.expiry, parts.strike, parts.right);
    return new Resolution(key, parts.confidence);
  }

  /** Base and quote from the currency tokens: two tokens, or one glued token, or one base alone. */
  private static String[] pair(String venue, Segment segment, IdParts parts) {
    List<String> c = parts.currencies;
    if (c.size() > 2) {
      return null;
    }
    if (c.size() == 2) {
      if (FIAT_AND_STABLE.contains(c.get(0)) && !FIAT_AND_STABLE.contains(c.get(1))) {
        parts.lower(0.6);
        return new String[] {c.get(1), c.get(0)};
      }
      return new String[] {c.get(0), c.get(1)};
    }
    if (c.size() != 1) {
      return null;
    }
    String[] glued = splitGlued(c.get(0));
    if (glued != null) {
      parts.lower(0.9);
      return glued;
    }
    if (segment == Segment.SPOT) {
      return null;
    }
    // a derivative named by its base alone is quoted in USD (Deribit), or in XBT on BitMEX
    parts.lower(0.8);
    return new String[] {c.get(0), venue.equals("bitmex") && segment != Segment.INVERSE ? "BTC" : "USD"};
  }

  /** Longest known quote suffix, unless a shorter one leaves a known currency as base (XBT|USD, not XB|TUSD). */
  private static String[] splitGlued(String token) {
    String[] first = null;
    for (String quote : QUOTES) {
      if (token.endsWith(quote) && token.length() - quote.length() >= 2) {
        String[] split = {token.substring(0, token.length() - quote.length()), quote};
        if (QUOTES.contains(split[0])) {
          return split;
        }
        first = first == null ? split : first;
      }
    }
    return first;
  }

  private static String alias(String venue, String currency) {
    if (venue.equals("bitfinex") && BITFINEX.containsKey(currency)) {
      return BITFINEX.get(currency);
    }
    return ALIASES.getOrDefault(currency, currency);
  }

  private static InstrumentKey.Kind kind(Segment segment, IdParts parts) {
    boolean optionParts = parts.strike != null || parts.right != null;
    if (optionParts) {
      return parts.strike != null && parts.right != null && parts.expiry != null ? InstrumentKey.Kind.OPTION : null;
    }
    if (segment == Segment.OPTION) {
      return null;
    }
    if (segment == Segment.SPOT) {
      return parts.expiry == null && !parts.perpetualMarker ? InstrumentKey.Kind.SPOT : null;
    }
    return parts.expiry != null ? InstrumentKey.Kind.FUTURE : InstrumentKey.Kind.PERPETUAL;
  }

  private static String settle(String venue, Segment segment, InstrumentKey.Kind kind, String base, String quote) {
    if (kind == null) {
      return null;
    }
    return switch (segment) {
      case SPOT -> kind == InstrumentKey.Kind.SPOT ? "" : null;
      case LINEAR -> quote;
      case INVERSE -> base;
      case QUANTO -> venue.equals("bitmex") ? "BTC" : null;
      case OPTION -> quote.equals("USD") ? base : quote;
    };
  }
}
