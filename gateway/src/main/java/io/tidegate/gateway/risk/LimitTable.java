package io.tidegate.gateway.risk;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import io.tidegate.gateway.config.GatewayConfig.RiskLimit;
import java.io.File;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * One version of the risk limits: the defaults and the overrides of {@code risk.limits} (or the
 * file {@code risk.limits-file}), each naming a strategy and an instrument ({@code "*"} for any)
 * and some limit keys. Per key the most specific entry wins: strategy and instrument, then
 * strategy, then instrument, then the defaults. Immutable; a reload makes a new one.
 */
final class LimitTable {

    static final String EXAMPLE = "limits = [ { strategy = \"strat-1\", instrument = \"BTCUSDT.BINANCE\", "
            + "max-quantity = 10, collar-bps = 50 } ]";
    private static final String ANY = "*";
    private static final Set<String> KEYS = Set.of("strategy", "instrument", "max-quantity", "max-notional",
            "collar-bps", "orders-per-second", "max-open-orders", "max-position", "max-price-age");

    /** One entry: who it applies to and the keys it sets (null: not set). */
    private record Entry(String strategy, String instrument, Double maxQuantity, Double maxNotional, Double collarBps,
                         Double ordersPerSecond, Integer maxOpenOrders, Double maxPosition, Duration maxPriceAge) {

        boolean appliesTo(String s, String i) {
            return (strategy.equals(ANY) || strategy.equals(s)) && (instrument.equals(ANY) || instrument.equals(i));
        }
    }

    private final RiskLimit defaults;
    /** Ordered least specific first, so that later ones overwrite. */
    private final List<Entry> entries;

    private LimitTable(RiskLimit defaults, List<Entry> entries) {
        this.defaults = defaults;
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort((a, b) -> Integer.compare(rank(a), rank(b)));
        this.entries = List.copyOf(sorted);
    }

    /** Only the defaults. */
    static LimitTable of(RiskLimit defaults) {
        return new LimitTable(defaults, List.of());
    }

    /** The defaults and the entries of a HOCON or JSON text with a {@code limits} list. */
    static LimitTable parse(RiskLimit defaults, String text, String origin) {
        try {
            return of(defaults, ConfigFactory.parseString(text, ConfigParseOptions.defaults().setOriginDescription(origin)),
                    origin);
        } catch (ConfigException e) {
            throw new IllegalArgumentException(origin + ": " + e.getMessage() + "; e.g. " + EXAMPLE, e);
        }
    }

    /** The defaults and the entries of a HOCON or JSON file with a {@code limits} list. */
    static LimitTable load(RiskLimit defaults, File file) {
        String origin = "risk.limits-file " + file;
        try {
            return of(defaults, ConfigFactory.parseFile(file, ConfigParseOptions.defaults().setAllowMissing(false)), origin);
        } catch (ConfigException e) {
            throw new IllegalArgumentException("risk.limits-file " + e.getMessage() + "; e.g. " + EXAMPLE, e);
        }
    }

    private static LimitTable of(RiskLimit defaults, Config c, String origin) {
        if (!c.hasPath("limits")) {
            throw new IllegalArgumentException(origin + " has no limits list; e.g. " + EXAMPLE);
        }
        List<Entry> entries = new ArrayList<>();
        List<? extends Config> list = c.getConfigList("limits");
        for (int i = 0; i < list.size(); i++) {
            entries.add(entry(list.get(i), origin + " limits[" + i + "]"));
        }
        return new LimitTable(defaults, entries);
    }

    private static Entry entry(Config c, String where) {
        for (String key : c.root().keySet()) {
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException(where + ": unknown key \"" + key + "\"; an entry has "
                        + String.join(", ", KEYS.stream().sorted().toList()));
            }
        }
        String strategy = c.hasPath("strategy") ? c.getString("strategy").trim() : ANY;
        String instrument = c.hasPath("instrument") ? c.getString("instrument").trim() : ANY;
        if (strategy.isEmpty() || instrument.isEmpty()) {
            throw new IllegalArgumentException(where + ": strategy and instrument must be a name or \"*\"");
        }
        Integer open = c.hasPath("max-open-orders") ? c.getInt("max-open-orders") : null;
        if (open != null && open < 0) {
            throw new IllegalArgumentException(where + ".max-open-orders must be >= 0 (0: no limit), got " + open);
        }
        Duration age = c.hasPath("max-price-age") ? c.getDuration("max-price-age") : null;
        if (age != null && age.isNegative()) {
            throw new IllegalArgumentException(where + ".max-price-age must not be negative, got " + age);
        }
        return new Entry(strategy, instrument, number(c, "max-quantity", where), number(c, "max-notional", where),
                number(c, "collar-bps", where), number(c, "orders-per-second", where), open,
                number(c, "max-position", where), age);
    }

    private static Double number(Config c, String key, String where) {
        if (!c.hasPath(key)) {
            return null;
        }
        double v = c.getDouble(key);
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(where + "." + key + " must be a number >= 0 (0: no limit), got " + v);
        }
        return v;
    }

    private static int rank(Entry e) {
        boolean s = !e.strategy().equals(ANY);
        boolean i = !e.instrument().equals(ANY);
        return s && i ? 3 : s ? 2 : i ? 1 : 0;
    }

    /** The limits of one strategy and instrument. Allocates; callers cache the result per table. */
    RiskLimit limitsOf(String strategy, String instrument) {
        double maxQuantity = defaults.maxQuantity();
        double maxNotional = defaults.maxNotional();
        double collar = defaults.collarBps();
        double rate = defaults.ordersPerSecond();
        int open = defaults.maxOpenOrders();
        double position = defaults.maxPosition();
        Duration age = defaults.maxPriceAge();
        for (Entry e : entries) {
            if (!e.appliesTo(strategy, instrument)) {
                continue;
            }
            maxQuantity = e.maxQuantity() != null ? e.maxQuantity() : maxQuantity;
            maxNotional = e.maxNotional() != null ? e.maxNotional() : maxNotional;
            collar = e.collarBps() != null ? e.collarBps() : collar;
            rate = e.ordersPerSecond() != null ? e.ordersPerSecond() : rate;
            open = e.maxOpenOrders() != null ? e.maxOpenOrders() : open;
            position = e.maxPosition() != null ? e.maxPosition() : position;
            age = e.maxPriceAge() != null ? e.maxPriceAge() : age;
        }
        return new RiskLimit(maxQuantity, maxNotional, collar, rate, open, position, age);
    }
}
