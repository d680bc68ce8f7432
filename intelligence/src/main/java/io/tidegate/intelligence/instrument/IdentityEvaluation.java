package io.tidegate.intelligence.instrument;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Scores {@link SymbolResolver} on the recorded venue listings and cross-venue pairs (the folder
 * described by its README, never copied into the repository): per-venue precision and recall of
 * id to unified symbol, same-instrument precision and recall on pairs beside the naive baselines,
 * and a leave-one-venue-out run with generic rules only. Run as a main; single-threaded.
 */
public final class IdentityEvaluation {
  private IdentityEvaluation() {}

  /** {@code --data DIR}: the folder of venue listings and pairs to evaluate against (required). */
  public static void main(String[] args) throws IOException {
    Path data = dataDir(args);
    System.out.println("data: " + data);
    SymbolResolver full = SymbolResolver.withVenueRules();
    SymbolResolver generic = SymbolResolver.genericOnly();
    System.out.println("\n(1) listings: native id + segment -> listed symbol");
    System.out.println("| venue | markets | precision | recall | generic only (unseen venue): precision | recall |");
    System.out.println("|---|---:|---:|---:|---:|---:|");
    int[] totalFull = new int[3];
    int[] totalGeneric = new int[3];
    try (Stream<Path> files = Files.list(data)) {
      for (Path file : files.filter(IdentityEvaluation::isListing).sorted().toList()) {
        List<JsonObject> rows = read(file);
        int[] f = score(full, rows);
        int[] g = score(generic, rows);
        add(totalFull, f);
        add(totalGeneric, g);
        String venue = file.getFileName().toString().replace(".jsonl", "");
        System.out.println(row(venue, f, g));
      }
    }
    System.out.println(row("**all**", totalFull, totalGeneric));
    pairs(read(data.resolve("pairs.jsonl")), full, generic);
  }

  private static boolean isListing(Path p) {
    String name = p.getFileName().toString();
    return name.endsWith(".jsonl") && !name.equals("pairs.jsonl");
  }

  /** {all, resolved, correct}. */
  private static int[] score(SymbolResolver resolver, List<JsonObject> rows) {
    int[] s = new int[3];
    for (JsonObject r : rows) {
      s[0]++;
      Optional<Resolution> res = resolver.resolve(str(r, "venue"), str(r, "segment"), str(r, "id"));
      if (res.isPresent()) {
        s[1]++;
        if (res.get().key().toString().equals(str(r, "symbol"))) {
          s[2]++;
        }
      }
    }
    return s;
  }

  private static String row(String name, int[] f, int[] g) {
    return String.format(Locale.ROOT, "| %s | %d | %.3f | %.3f | %.3f | %.3f |",
        name, f[0], ratio(f[2], f[1]), ratio(f[2], f[0]), ratio(g[2], g[1]), ratio(g[2], g[0]));
  }

  private static void pairs(List<JsonObject> pairs, SymbolResolver full, SymbolResolver generic) {
    String[] names = {"resolver", "resolver, generic only", "ids equal w/o separators", "+ equal segment"};
    Map<String, int[][]> byKind = new TreeMap<>();
    int[][] total = new int[names.length][4];
    for (JsonObject p : pairs) {
      JsonObject a = p.getAsJsonObject("a");
      JsonObject b = p.getAsJsonObject("b");
      boolean same = p.get("same").getAsBoolean();
      boolean[] said = {
        sameKey(full, a, b), sameKey(generic, a, b), naive(a, b), naive(a, b) && str(a, "segment").equals(str(b, "segment"))
      };
      int[][] k = byKind.computeIfAbsent(str(p, "kind"), x -> new int[names.length][4]);
      for (int m = 0; m < names.length; m++) {
        int cell = (said[m] ? 0 : 2) + (same ? 0 : 1); // tp, fp, fn, tn
        k[m][cell]++;
        total[m][cell]++;
      }
    }
    System.out.println("\n(2) pairs: same instrument (precision / recall overall)");
    System.out.println("| matcher | precision | recall | tp | fp | fn | tn |");
    System.out.println("|---|---:|---:|---:|---:|---:|---:|");
    for (int m = 0; m < names.length; m++) {
      int[] t = total[m];
      System.out.printf(Locale.ROOT, "| %s | %.3f | %.3f | %d | %d | %d | %d |%n",
          names[m], ratio(t[0], t[0] + t[1]), ratio(t[0], t[0] + t[2]), t[0], t[1], t[2], t[3]);
    }
    System.out.println("\nper kind: share of pairs decided correctly (recall for pos_*, 1 - false-positive rate for neg_*)");
    System.out.println("| kind | pairs | " + String.join(" | ", names) + " |");
    System.out.println("|---|---:|---:|---:|---:|---:|");
    byKind.forEach((kind, k) -> {
      StringBuilder s = new StringBuilder("| " + kind + " | " + (k[0][0] + k[0][1] + k[0][2] + k[0][3]));
      for (int[] c : k) {
        s.append(String.format(Locale.ROOT, " | %.3f", ratio(c[0] + c[3], c[0] + c[1] + c[2] + c[3])));
      }
      System.out.println(s + " |");
    });
  }

  private static boolean sameKey(SymbolResolver r, JsonObject a, JsonObject b) {
    Optional<Resolution> x = r.resolve(str(a, "venue"), str(a, "segment"), str(a, "id"));
    Optional<Resolution> y = r.resolve(str(b, "venue"), str(b, "segment"), str(b, "id"));
    return x.isPresent() && y.isPresent() && x.get().key().equals(y.get().key());
  }

  private static boolean naive(JsonObject a, JsonObject b) {
    return strip(str(a, "id")).equals(strip(str(b, "id")));
  }

  private static String strip(String id) {
    return id.replaceAll("[-_/:]", "").toUpperCase(Locale.ROOT);
  }

  private static double ratio(int a, int b) {
    return b == 0 ? Double.NaN : (double) a / b;
  }

  private static void add(int[] into, int[] s) {
    for (int i = 0; i < into.length; i++) {
      into[i] += s[i];
    }
  }

  private static String str(JsonObject o, String field) {
    return o.has(field) && !o.get(field).isJsonNull() ? o.get(field).getAsString() : "";
  }

  private static List<JsonObject> read(Path file) throws IOException {
    List<JsonObject> rows = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      if (!line.isBlank()) {
        rows.add(JsonParser.parseString(line).getAsJsonObject());
      }
    }
    return rows;
  }

  private static Path dataDir(String[] args) {
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals("--data")) {
        return Path.of(args[i + 1]);
      }
    }
    throw new IllegalArgumentException("pass --data DIR: a folder of venue listings (<venue>.jsonl, one market per line"
        + " with venue, segment, id and the known symbol) and pairs.jsonl");
  }
}
