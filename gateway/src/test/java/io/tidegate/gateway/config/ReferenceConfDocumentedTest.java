package io.tidegate.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Keeps the key table of docs/configuration.md and reference.conf exact: every key of
 * reference.conf is in the table, and every key the table names is in reference.conf. The table
 * writes related keys short ({@code a.b.c} / {@code .d} means {@code a.b.d}) and names
 * operator-chosen keys with a placeholder ({@code <class>}).
 */
class ReferenceConfDocumentedTest {

    private static final Pattern CODE = Pattern.compile("`([^`]+)`");

    /** The keys of the table's first column, short forms written out. */
    private static List<String> documentedKeys() throws Exception {
        List<String> keys = new ArrayList<>();
        for (String row : Files.readAllLines(Path.of("..", "docs", "configuration.md"))) {
            if (!row.startsWith("| `")) {
                continue;
            }
            String firstColumn = row.substring(1, row.indexOf(" | ", 1));
            String parent = "";
            Matcher m = CODE.matcher(firstColumn);
            while (m.find()) {
                String token = m.group(1);
                String key = token.startsWith(".") ? parent + token : token;
                parent = key.substring(0, key.lastIndexOf('.') < 0 ? 0 : key.lastIndexOf('.'));
                keys.add(key);
            }
        }
        return keys;
    }

    /** {@code <...>} stands for one or more path elements of the operator's choosing. */
    private static String toRegex(String key) {
        StringBuilder regex = new StringBuilder();
        for (String part : key.split("(?=<)|(?<=>)")) {
            regex.append(part.startsWith("<") && part.endsWith(">") ? "[^.]+(\\.[^.]+)*?" : Pattern.quote(part.replace("\"", "")));
        }
        return regex.toString();
    }

    private static Config reference() {
        return ConfigFactory.parseResources("reference.conf", ConfigParseOptions.defaults().setAllowMissing(false))
                .getConfig("tidegate");
    }

    private static List<String> referenceKeys() {
        return reference().entrySet().stream().map(e -> e.getKey().replace("\"", "")).sorted().toList();
    }

    @Test
    void everyKeyOfReferenceConfIsInTheTable() throws Exception {
        List<Pattern> documented = documentedKeys().stream().map(k -> Pattern.compile(toRegex(k))).toList();
        assertThat(referenceKeys()).as("keys of reference.conf missing from docs/configuration.md")
                .filteredOn(key -> documented.stream().noneMatch(p -> p.matcher(key).matches()))
                .isEmpty();
    }

    /** A key with a placeholder needs its fixed part (the section the operator adds to) in reference.conf. */
    @Test
    void everyKeyOfTheTableIsInReferenceConf() throws Exception {
        Config reference = reference();
        assertThat(documentedKeys()).as("keys of docs/configuration.md that reference.conf does not have")
                .filteredOn(key -> {
                    String fixed = key.contains("<") ? key.substring(0, key.indexOf('<')).replaceAll("[.\"]+$", "") : key;
                    return !reference.hasPathOrNull(fixed);
                })
                .isEmpty();
    }
}
