package io.tidegate.intelligence.regime;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a recorded raw venue WebSocket sample ({@code sdk-examples/python/samples/<venue>.jsonl}: one raw
 * message a line) into quotes and trades with their ts_event, following the Python adapters' mapping:
 * Binance bookTicker / trade (bookTicker carries no time: it takes the latest ts_event seen before it, so a
 * replay stays deterministic; one before any timed message is skipped), Bybit orderbook.1 snapshot/delta (a level-1 book per symbol; ts_event is
 * {@code cts}, else {@code ts}) and publicTrade, Coinbase ticker / match, OKX tickers / trades. Anything
 * else, and any malformed line, is skipped and counted. For the evaluation only; not a hot path.
 * Not thread-safe.
 */
public final class VenueSampleReader {

    /** One message: a quote (price = NaN) or a trade (bid/ask = NaN). Immutable. */
    public record Event(String venue, String symbol, long tsEvent, boolean quote, double bid, double ask,
                        double bidSize, double askSize, double price, double size) {
    }

    private final List<Event> events = new ArrayList<>();
    private final Map<String, double[]> bybitBooks = new HashMap<>();
    private int skipped;
    private long lastTs;

    private VenueSampleReader() {
    }

    /** Reads one sample file; the venue is the file name without its extension (binance, bybit, coinbase, okx). */
    public static VenueSampleReader read(Path file) throws IOException {
        VenueSampleReader r = new VenueSampleReader();
        String venue = file.getFileName().toString().replaceFirst("\\.jsonl$", "").toUpperCase(java.util.Locale.ROOT);
        for (String line : Files.readAllLines(file)) {
            try {
                JsonElement json = JsonParser.parseString(line);
                if (!json.isJsonObject() || !r.parse(venue, json.getAsJsonObject())) {
                    r.skipped++;
                }
            } catch (RuntimeException malformed) {
                r.skipped++;
            }
        }
        return r;
    }

    public List<Event> events() {
        return events;
    }

    /** Lines that were not a quote or trade (acks, heartbeats, errors, malformed lines). */
    public int skipped() {
        return skipped;
    }

    private boolean parse(String venue, JsonObject m) {
        return switch (venue) {
            case "BINANCE" -> binance(m.has("stream") && m.has("data") ? m.getAsJsonObject("data") : m);
            case "BYBIT" -> bybit(m);
            case "COINBASE" -> coinbase(m);
            case "OKX" -> okx(m);
            default -> throw new IllegalArgumentException("unknown venue " + venue);
        };
    }

    private boolean binance(JsonObject m) {
        if ("trade".equals(str(m, "e"))) {
            return trade("BINANCE", str(m, "s"), m.get("T").getAsLong() * 1_000_000, num(m, "p"), num(m, "q"));
        }
        if (m.has("u") && m.has("s") && m.has("b") && m.has("a")) {
            if (lastTs == 0) {
                return false; // no event time known yet
            }
            return quote("BINANCE", str(m, "s"), lastTs, num(m, "b"), num(m, "a"), num(m, "B"), num(m, "A"));
        }
        return false;
    }

    private boolean bybit(JsonObject m) {
        String topic = str(m, "topic");
        if (topic == null) {
            return false;
        }
        long ts = (m.has("cts") ? m.get("cts") : m.get("ts")).getAsLong() * 1_000_000;
        if (topic.startsWith("publicTrade.")) {
            boolean any = false;
            for (JsonElement t : m.getAsJsonArray("data")) {
                JsonObject o = t.getAsJsonObject();
                any |= trade("BYBIT", str(o, "s"), o.get("T").getAsLong() * 1_000_000, num(o, "p"), num(o, "v"));
            }
            return any;
        }
        if (!topic.startsWith("orderbook.1.")) {
            return false;
        }
        JsonObject data = m.getAsJsonObject("data");
        String symbol = str(data, "s");
        boolean snapshot = "snapshot".equals(str(m, "type")) || (data.has("u") && data.get("u").getAsLong() == 1);
        double[] book = snapshot ? new double[] {Double.NaN, Double.NaN, Double.NaN, Double.NaN}
                : bybitBooks.get(symbol);
        if (book == null) {
            return false;
        }
        double[] next = book.clone(); // parsed fully before the book changes
        side(data.get("b"), next, 0, snapshot);
        side(data.get("a"), next, 2, snapshot);
        bybitBooks.put(symbol, next);
        if (Double.isNaN(next[0]) || Double.isNaN(next[2])) {
            return false;
        }
        return quote("BYBIT", symbol, ts, next[0], next[2], next[1], next[3]);
    }

    private static void side(JsonElement levels, double[] book, int at, boolean snapshot) {
        if (levels == null || levels.getAsJsonArray().isEmpty()) {
            if (snapshot) {
                book[at] = Double.NaN;
            }
            return;
        }
        JsonArray level = levels.getAsJsonArray().get(0).getAsJsonArray();
        double px = Double.parseDouble(level.get(0).getAsString());
        double sz = Double.parseDouble(level.get(1).getAsString());
        book[at] = sz == 0 ? Double.NaN : px;
        book[at + 1] = sz;
    }

    private boolean coinbase(JsonObject m) {
        String type = str(m, "type");
        if ("ticker".equals(type)) {
            return quote("COINBASE", str(m, "product_id"), iso(m), num(m, "best_bid"), num(m, "best_ask"),
                    num(m, "best_bid_size"), num(m, "best_ask_size"));
        }
        if ("match".equals(type) || "last_match".equals(type)) {
            return trade("COINBASE", str(m, "product_id"), iso(m), num(m, "price"), num(m, "size"));
        }
        return false;
    }

    private boolean okx(JsonObject m) {
        if (!m.has("arg") || !m.has("data")) {
            return false;
        }
        String channel = str(m.getAsJsonObject("arg"), "channel");
        boolean any = false;
        for (JsonElement e : m.getAsJsonArray("data")) {
            JsonObject d = e.getAsJsonObject();
            long ts = Long.parseLong(str(d, "ts")) * 1_000_000;
            if ("tickers".equals(channel)) {
                any |= quote("OKX", str(d, "instId"), ts, num(d, "bidPx"), num(d, "askPx"), num(d, "bidSz"), num(d, "askSz"));
            } else if ("trades".equals(channel)) {
                any |= trade("OKX", str(d, "instId"), ts, num(d, "px"), num(d, "sz"));
            }
        }
        return any;
    }

    private boolean quote(String venue, String symbol, long ts, double bid, double ask, double bidSize, double askSize) {
        if (symbol == null || !(bid > 0 && ask >= bid && bidSize >= 0 && askSize >= 0)) {
            return false;
        }
        lastTs = Math.max(lastTs, ts);
        events.add(new Event(venue, symbol, ts, true, bid, ask, bidSize, askSize, Double.NaN, Double.NaN));
        return true;
    }

    private boolean trade(String venue, String symbol, long ts, double price, double size) {
        if (symbol == null || !(price > 0 && size > 0)) {
            return false;
        }
        lastTs = Math.max(lastTs, ts);
        events.add(new Event(venue, symbol, ts, false, Double.NaN, Double.NaN, Double.NaN, Double.NaN, price, size));
        return true;
    }

    private static String str(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? null : e.getAsString();
    }

    private static double num(JsonObject o, String key) {
        return Double.parseDouble(o.get(key).getAsString());
    }

    private static long iso(JsonObject o) {
        Instant t = Instant.parse(o.get("time").getAsString());
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }
}
