package io.tidegate.faults;

/** One fault scenario on real processes. Implementations start and stop everything they use. */
interface Scenario {

    /** Short name, as given to {@code --scenario}. */
    String name();

    /** Runs the scenario and reports its figures and checks. */
    Report run(Settings settings) throws Exception;
}
