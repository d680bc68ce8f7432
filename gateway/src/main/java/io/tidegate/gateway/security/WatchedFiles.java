package io.tidegate.gateway.security;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads a set of files again when any of their modification times or sizes change. A load that
 * fails keeps what was loaded before and is logged once for that state of the files (a
 * certificate written before its key fails until the key arrives, then loads). Threading:
 * {@link #check} is called from one scheduler thread (and once at start, before it runs). Also
 * used by other features that reload a file of their own (the risk limits).
 */
public final class WatchedFiles {

    /** Reads the files and puts them in use; throws when they cannot be used. */
    public interface Loader {
        void load() throws Exception;
    }

    private static final Logger log = LoggerFactory.getLogger(WatchedFiles.class);

    private final String what;
    private final List<Path> files;
    private final Loader loader;
    private List<String> loaded;
    private List<String> failed;

    public WatchedFiles(String what, List<Path> files, Loader loader) {
        this.what = what;
        this.files = List.copyOf(files);
        this.loader = loader;
    }

    /** Loads for the first time; a failure here is thrown, for start-up to refuse. */
    public void loadNow() throws Exception {
        List<String> state = state();
        loader.load();
        loaded = state;
    }

    /** Loads again when the files changed since the last load; never throws. */
    public void check() {
        List<String> state = state();
        if (state.equals(loaded) || state.equals(failed)) {
            return;
        }
        try {
            loader.load();
            loaded = state;
            failed = null;
            log.info("{}: reloaded {}", what, files);
        } catch (Exception e) {
            failed = state;
            log.warn("{}: {} changed but cannot be loaded ({}); still using the previous ones until they change again",
                    what, files, Objects.requireNonNullElse(e.getMessage(), e.getClass().getSimpleName()));
        }
    }

    private List<String> state() {
        List<String> state = new ArrayList<>(files.size());
        for (Path f : files) {
            try {
                BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
                state.add(a.lastModifiedTime().toMillis() + ":" + a.size());
            } catch (IOException e) {
                state.add("missing");
            }
        }
        return state;
    }
}
