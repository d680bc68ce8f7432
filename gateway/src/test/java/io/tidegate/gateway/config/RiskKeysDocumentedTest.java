package io.tidegate.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The {@code risk.*} keys of reference.conf and the key table of docs/configuration.md say the
 * same: every key is in the table with its default, and the table names no key reference.conf lacks.
 */
class RiskKeysDocumentedTest {

    private static final Pattern ROW = Pattern.compile("^\\| `(risk\\.[a-z.-]+)` \\| `([^`]*)` \\|", Pattern.MULTILINE);

    @Test
    void everyRiskKeyIsInTheConfigurationTableWithItsDefault() throws Exception {
        Config reference = ConfigFactory.parseResources("reference.conf").getConfig("tidegate");
        String docs = Files.readString(Path.of("..", "docs", "configuration.md"));
        Map<String, String> documented = new java.util.TreeMap<>();
        Matcher m = ROW.matcher(docs);
        while (m.find()) {
            documented.put(m.group(1), m.group(2));
        }
        Map<String, String> defaults = new java.util.TreeMap<>();
        for (Map.Entry<String, ConfigValue> e : reference.getConfig("risk").entrySet()) {
            defaults.put("risk." + e.getKey(), shown(e.getValue()));
        }
        assertThat(documented).isEqualTo(defaults);
    }

    /** A default as the table writes it: strings unquoted, except the empty one. */
    private static String shown(ConfigValue v) {
        if (v.valueType() == ConfigValueType.STRING) {
            String s = (String) v.unwrapped();
            return s.isEmpty() ? "\"\"" : s;
        }
        return v.render();
    }
}
