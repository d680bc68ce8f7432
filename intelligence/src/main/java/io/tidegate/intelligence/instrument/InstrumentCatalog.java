package io.tidegate.intelligence.instrument;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * What the gateway knows about instruments: the venues' listings (most trusted), currency aliases
 * learned from them, and the {@link SymbolResolver} for ids no listing names. Answers "what is
 * this (venue, segment, id)?" and "where is this key listed?".
 *
 * <p>Bounded: at most {@code maxListings} listings and as many learned aliases; a listing beyond
 * the bound is refused (an update of one already held is not), and each listing contributes at
 * most {@link #MAX_SPELLINGS} other spellings. Listing facts win over rules: an id a listing
 * names is answered from the listing whatever the rules would read.
 *
 * <p>Thread-safe: lookups run on any thread without locking; changes are serialised on the
 * catalog.
 */
public final class InstrumentCatalog {

  /** Other spellings of one listing kept at most, so a listing cannot grow the catalog unboundedly. */
  public static final int MAX_SPELLINGS = 4;
  private static final Pattern CODE = Pattern.compile("[A-Z0-9]{1,16}");
  private static final Pattern SEPARATORS = Pattern.compile("[-_/:]");

  /** What {@link #add} did with a listing. */
  public enum Outcome { ADDED, UPDATED, UNCHANGED, FULL }

  private final SymbolResolver venueRules;
  private final SymbolResolver genericRules = SymbolResolver.genericOnly();
  private final int maxListings;
  /** venue|segment|ID (upper) -> listing. */
  private final Map<String, Listing> byId = new ConcurrentHashMap<>();
  /** venue|segment|SPELLING (upper) -> listing whose other spelling it is. */
  private final Map<String, Listing> bySpelling = new ConcurrentHashMap<>();
  private final Map<InstrumentKey, Set<Listing>> byKey = new ConcurrentHashMap<>();
  /** venue|CODE -> learned alias. */
  private final Map<String, LearnedAlias> aliases = new ConcurrentHashMap<>();

  /**
   * @param venueRules  the resolver for ids no listing names
   * @param maxListings listings (and learned aliases) kept at most
   */
  public InstrumentCatalog(SymbolResolver venueRules, int maxListings) {
    if (maxListings < 1) {
      throw new IllegalArgumentException("maxListings must be at least 1");
    }
    this.venueRules = venueRules;
    this.maxListings = maxListings;
  }

  /**
   * Takes a listing and learns the aliases its fields show.
   *
   * @return what happened; {@link Outcome#FULL} when the bound refused a new listing
   */
  public synchronized Outcome add(Listing listing) {
    String id = id(listing.venue(), listing.segment(), listing.nativeId());
    Listing old = byId.get(id);
    if (listing.equals(old)) {
      return Outcome.UNCHANGED;
    }
    if (old == null && byId.size() >= maxListings) {
      return Outcome.FULL;
    }
    if (old != null) {
      remove(old);
    }
    byId.put(id, listing);
    byKey.computeIfAbsent(listing.key(), k -> ConcurrentHashMap.newKeySet()).add(listing);
    listing.aliases().stream().limit(MAX_SPELLINGS)
        .forEach(s -> bySpelling.put(id(listing.venue(), listing.segment(), s), listing));
    aliasesShownBy(listing).forEach(this::learn);
    return old == null ? Outcome.ADDED : Outcome.UPDATED;
  }

  /**
   * Keeps a learned alias unless one at least as sure is held for the code, or the bound is reached.
   *
   * @return true when kept
   */
  public synchronized boolean learn(LearnedAlias alias) {
    String slot = alias.venue() + "|" + alias.code();
    LearnedAlias held = aliases.get(slot);
    if (held != null ? held.confidence() >= alias.confidence() : aliases.size() >= maxListings) {
      return false;
    }
    aliases.put(slot, alias);
    return true;
  }

  /**
   * Learns from a co-movement proposal when a listing backs it: one side is listed in
   * {@code segment}, the other is not, and the naming rules read the other's id as a pair with the
   * same quote and kind but another base code. That code is then learned as the listed base on the
   * other's venue (a {@link LearnedAlias} whose evidence is the listing and the prices, whose
   * confidence is the proposal's, at most {@link CoMovementTracker#MAX_CONFIDENCE}, so an alias a
   * listing shows stays the surer). Without such a listing nothing is learned.
   *
   * @return the alias learned, if any
   */
  public synchronized Optional<LearnedAlias> confirm(CoMovementProposal proposal, String segment) {
    Optional<LearnedAlias> learned = confirmFrom(proposal.venueA(), proposal.symbolA(), proposal.venueB(),
        proposal.symbolB(), segment, proposal);
    return learned.isPresent() ? learned
        : confirmFrom(proposal.venueB(), proposal.symbolB(), proposal.venueA(), proposal.symbolA(), segment, proposal);
  }

  private Optional<LearnedAlias> confirmFrom(String listedVenue, String listedId, String otherVenue, String otherId,
                                             String segment, CoMovementProposal proposal) {
    Listing listed = byId.get(id(listedVenue, segment, listedId));
    if (listed == null || byId.containsKey(id(otherVenue, segment, otherId))) {
      return Optional.empty();
    }
    String venue = otherVenue.trim().toUpperCase(Locale.ROOT);
    Optional<Resolution> read = venueRules.resolve(venue, segment.trim().toLowerCase(Locale.ROOT), otherId);
    if (read.isEmpty()) {
      return Optional.empty(); // no telling which part of the id is the base
    }
    InstrumentKey theirs = read.get().key();
    InstrumentKey known = listed.key();
    if (theirs.kind() != known.kind() || !theirs.quote().equals(known.quote()) || theirs.base().equals(known.base())
        || !CODE.matcher(theirs.base()).matches()) {
      return Optional.empty();
    }
    LearnedAlias alias = new LearnedAlias(venue, theirs.base(), known.base(),
        Math.min(proposal.confidence(), CoMovementTracker.MAX_CONFIDENCE),
        "priced with " + listed.venue() + " " + listed.segment() + " " + listed.nativeId() + " (listed as " + known
            + "): " + proposal.evidence(), LearnedAlias.Origin.CO_MOVEMENT);
    return learn(alias) ? Optional.of(alias) : Optional.empty();
  }

  /** The key of a native id: from a listing, a listed spelling, or the rules plus learned aliases. */
  public Optional<Identification> identify(String venue, String segment, String nativeId) {
    String v = venue.trim().toUpperCase(Locale.ROOT);
    String s = segment.trim().toLowerCase(Locale.ROOT);
    String id = id(v, s, nativeId);
    Listing listed = byId.get(id);
    if (listed != null) {
      return Optional.of(new Identification(listed.key(), 1.0, Identification.Source.LISTING,
          "listed by " + v + " as " + s + " " + listed.nativeId()));
    }
    Listing spelled = bySpelling.get(id);
    if (spelled != null) {
      return Optional.of(new Identification(spelled.key(), 1.0, Identification.Source.ALIAS,
          v + " lists " + s + " " + spelled.nativeId() + " with the spelling " + nativeId.trim()));
    }
    return venueRules.resolve(v, s, nativeId).map(r -> fromRules(v, s, nativeId, r));
  }

  /** Every listing of {@code key}, sorted by venue, segment and id. */
  public List<Listing> equivalents(InstrumentKey key) {
    Set<Listing> listings = byKey.get(key);
    if (listings == null) {
      return List.of();
    }
    List<Listing> sorted = new ArrayList<>(listings);
    sorted.sort(Comparator.comparing(Listing::venue).thenComparing(Listing::segment).thenComparing(Listing::nativeId));
    return sorted;
  }

  /** The listings held. */
  public List<Listing> listings() {
    return List.copyOf(byId.values());
  }

  /** True when a listing of this (venue, segment, id) is held. */
  public boolean holds(String venue, String segment, String nativeId) {
    return byId.containsKey(id(venue, segment, nativeId));
  }

  /** The alias held for a venue's code, if any. */
  public Optional<LearnedAlias> learnedAlias(String venue, String code) {
    return Optional.ofNullable(aliases.get(venue.trim().toUpperCase(Locale.ROOT) + "|" + code.trim().toUpperCase(Locale.ROOT)));
  }

  /** The learned aliases held. */
  public List<LearnedAlias> learnedAliases() {
    return List.copyOf(aliases.values());
  }

  public int listingCount() {
    return byId.size();
  }

  public int aliasCount() {
    return aliases.size();
  }

  public int maxListings() {
    return maxListings;
  }

  /** The aliases a listing's own fields show: its native codes and its other spellings. */
  public static List<LearnedAlias> aliasesShownBy(Listing listing) {
    List<LearnedAlias> out = new ArrayList<>(4);
    String where = listing.venue() + " " + listing.segment() + " " + listing.nativeId();
    InstrumentKey key = listing.key();
    add(out, listing, listing.nativeBase(), key.base(), 1.0, where + ": native base " + listing.nativeBase());
    add(out, listing, listing.nativeQuote(), key.quote(), 1.0, where + ": native quote " + listing.nativeQuote());
    for (String spelling : listing.aliases().stream().limit(MAX_SPELLINGS).toList()) {
      String[] parts = SEPARATORS.split(spelling.trim().toUpperCase(Locale.ROOT));
      if (parts.length != 2) {
        continue;
      }
      String evidence = where + ": spelled " + spelling.trim();
      // one half names the canonical currency, so the other half must be the other one
      if (parts[1].equals(key.quote())) {
        add(out, listing, parts[0], key.base(), 0.95, evidence);
      } else if (parts[0].equals(key.base())) {
        add(out, listing, parts[1], key.quote(), 0.95, evidence);
      }
    }
    return out;
  }

  private static void add(List<LearnedAlias> out, Listing listing, String code, String currency, double confidence,
                          String evidence) {
    if (!code.equals(currency) && CODE.matcher(code).matches()) {
      out.add(new LearnedAlias(listing.venue(), code, currency, confidence, evidence));
    }
  }

  private Identification fromRules(String venue, String segment, String nativeId, Resolution read) {
    InstrumentKey key = read.key();
    LearnedAlias base = aliases.get(venue + "|" + key.base());
    LearnedAlias quote = aliases.get(venue + "|" + key.quote());
    if (base != null || quote != null) {
      InstrumentKey renamed = rename(key, base, quote);
      double confidence = Math.min(read.confidence(),
          Math.min(base == null ? 1 : base.confidence(), quote == null ? 1 : quote.confidence()));
      String evidence = "read by rules, then learned " + (base != null ? base.evidence() : quote.evidence());
      boolean fromPrices = (base != null && base.origin() == LearnedAlias.Origin.CO_MOVEMENT)
          || (quote != null && quote.origin() == LearnedAlias.Origin.CO_MOVEMENT);
      return new Identification(renamed, confidence,
          fromPrices ? Identification.Source.CO_MOVEMENT : Identification.Source.ALIAS, evidence);
    }
    boolean generic = genericRules.resolve(venue, segment, nativeId).map(r -> r.key().equals(key)).orElse(false);
    return generic
        ? new Identification(key, read.confidence(), Identification.Source.GENERIC_RULE, "generic naming rules")
        : new Identification(key, read.confidence(), Identification.Source.VENUE_RULE,
            venue.toLowerCase(Locale.ROOT) + " naming rules");
  }

  private static InstrumentKey rename(InstrumentKey key, LearnedAlias base, LearnedAlias quote) {
    String b = base != null ? base.currency() : key.base();
    String q = quote != null ? quote.currency() : key.quote();
    String settle = key.settle();
    if (base != null && settle.equals(base.code())) {
      settle = b;
    } else if (quote != null && settle.equals(quote.code())) {
      settle = q;
    }
    return new InstrumentKey(b, q, settle, key.kind(), key.expiry(), key.strike(), key.right());
  }

  private void remove(Listing old) {
    Set<Listing> same = byKey.get(old.key());
    if (same != null) {
      same.remove(old);
      if (same.isEmpty()) {
        byKey.remove(old.key());
      }
    }
    old.aliases().forEach(s -> bySpelling.remove(id(old.venue(), old.segment(), s), old));
  }

  private static String id(String venue, String segment, String nativeId) {
    return venue.trim().toUpperCase(Locale.ROOT) + "|" + segment.trim().toLowerCase(Locale.ROOT) + "|"
        + nativeId.trim().toUpperCase(Locale.ROOT);
  }
}
