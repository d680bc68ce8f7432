package io.tidegate.faults;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How long and how big the scenarios run: {@code full} is what {@code scripts/fault-tests.sh}
 * runs (the lengths the issue asks for), otherwise the short versions the CI tests run.
 *
 * @param workDir gateway logs and spools go below it
 */
record Settings(boolean full, Path workDir) {

    Duration pick(Duration quick, Duration fullLength) {
        return full ? fullLength : quick;
    }

    int pick(int quick, int fullSize) {
        return full ? fullSize : quick;
    }
}
