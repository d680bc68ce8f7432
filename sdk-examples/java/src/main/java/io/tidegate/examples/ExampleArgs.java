package io.tidegate.examples;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The "--name value" command-line options of the examples. Immutable after parsing; not shared
 * between threads.
 */
final class ExampleArgs {

    private final Map<String, String> values = new HashMap<>();

    private ExampleArgs() {
    }

    /** Parses "--name value" pairs; unknown names are rejected with the list of known ones. */
    static ExampleArgs parse(String[] args, String usage, String... known) {
        ExampleArgs a = new ExampleArgs();
        List<String> names = List.of(known);
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--help") || arg.equals("-h")) {
                System.out.println(usage);
                System.exit(0);
            }
            String name = arg.startsWith("--") ? arg.substring(2) : null;
            String value = null;
            if (name != null && name.contains("=")) {
                value = name.substring(name.indexOf('=') + 1);
                name = name.substring(0, name.indexOf('='));
            } else if (name != null && i + 1 < args.length) {
                value = args[++i];
            }
            if (name == null || value == null || !names.contains(name)) {
                throw new IllegalArgumentException("bad argument \"" + arg + "\"\n" + usage);
            }
            a.values.put(name, value);
        }
        return a;
    }

    String get(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    List<String> list(String name, String fallback) {
        List<String> out = new ArrayList<>();
        for (String s : get(name, fallback).split(",")) {
            if (!s.isBlank()) {
                out.add(s.trim());
            }
        }
        return out;
    }

    double number(String name, double fallback) {
        String v = values.get(name);
        try {
            return v == null ? fallback : Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be a number, was \"" + v + "\"");
        }
    }
}
