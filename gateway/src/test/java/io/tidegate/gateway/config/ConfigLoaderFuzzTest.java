package io.tidegate.gateway.config;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Fuzzes {@link ConfigLoader#load} with arbitrary HOCON files, {@code TIDEGATE_*} variables and
 * {@code key=value} overrides: it returns a configuration or throws {@link InvalidConfigException}
 * with a message, never anything else (a parser exception, a NumberFormatException, an
 * IllegalArgumentException from a record), since Main turns only that one into a clear line.
 * Corpus: {@code ConfigLoaderFuzzTestInputs/}; run longer as docs/fuzzing.md says.
 */
class ConfigLoaderFuzzTest {

    private static final Path FILE = tempFile();

    private static Path tempFile() {
        try {
            Path dir = Files.createTempDirectory("tidegate-config-fuzz-");
            dir.toFile().deleteOnExit();
            Path file = dir.resolve("tidegate.conf");
            file.toFile().deleteOnExit();
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "5s")
    void loadingReturnsAConfigOrExplainsWhatIsWrong(FuzzedDataProvider data) throws IOException {
        List<String> overrides = new ArrayList<>();
        int count = data.consumeInt(0, 4);
        for (int i = 0; i < count; i++) {
            overrides.add(data.consumeString(200));
        }
        Map<String, String> env = data.consumeBoolean()
                ? Map.of("TIDEGATE_" + data.consumeAsciiString(40), data.consumeString(100)) : Map.of();
        boolean withFile = data.consumeBoolean();
        String hocon = data.consumeRemainingAsString();
        if (withFile) {
            Files.writeString(FILE, hocon, StandardCharsets.UTF_8);
        }
        try {
            ConfigLoader.load(withFile ? FILE : null, env, overrides);
        } catch (InvalidConfigException e) {
            if (e.getMessage() == null || e.getMessage().isBlank()) {
                throw new AssertionError("a refusal without a message", e);
            }
        }
    }
}
