package io.tidegate.gateway;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import io.tidegate.gateway.config.GatewayConfig;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The gateway's layers, written down so they stay true: dependencies point one way, {@code server}
 * → {@code dispatch}/{@code routing}/{@code priority} → {@code backend}, and {@code server} →
 * {@code security} (who a call is and what it may do), which knows nothing of the rest but the
 * topic patterns of {@code routing}; the server hands accepted market
 * messages to {@code market}, and {@code regime}, {@code arbitrage}, {@code instruments} and {@code book} plug
 * into it from above; resilience and telemetry
 * decorate or plug in at the composition root ({@code io.tidegate.gateway}), which alone knows
 * Guice and the whole configuration.
 */
class LayerRulesTest {

    private static final String ROOT = "io.tidegate.gateway";

    private static JavaClasses gateway;

    @BeforeAll
    static void importGatewayClasses() {
        gateway = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages(ROOT);
    }

    @Test
    void configAndRoutingDependOnNothingElseInTheGateway() {
        mayOnlyUse("config").check(gateway);
        mayOnlyUse("routing").check(gateway);
    }

    @Test
    void backendKnowsNothingAboveIt() {
        mayOnlyUse("backend", "config", "routing").check(gateway);
    }

    @Test
    void priorityLivesBeneathServerAndDispatch() {
        mayOnlyUse("priority", "config", "routing").check(gateway);
    }

    @Test
    void dispatchUsesOnlyTheBackendAndPriorities() {
        mayOnlyUse("dispatch", "backend", "priority", "config").check(gateway);
    }

    @Test
    void resilienceKnowsOnlyTheBackendItDecorates() {
        mayOnlyUse("resilience", "backend", "config").check(gateway);
    }

    @Test
    void telemetryReadsNoServerResilienceOrDispatchInternals() {
        mayOnlyUse("telemetry", "backend", "priority", "routing", "config").check(gateway);
    }

    @Test
    void monitoringKnowsOnlyConfigAndTheBackendItReports() {
        mayOnlyUse("monitoring", "backend", "config").check(gateway);
    }

    @Test
    void consoleReadsOnlyItsOwnViews() {
        mayOnlyUse("console", "monitoring", "config").check(gateway);
    }

    @Test
    void serverNeverImportsResilience() {
        mayOnlyUse("server", "dispatch", "routing", "priority", "backend", "telemetry", "monitoring", "security",
                "config", "market").check(gateway);
    }

    @Test
    void marketDataKnowsNothingElseInTheGateway() {
        mayOnlyUse("market").check(gateway);
    }

    @Test
    void arbitrageListensToMarketDataAndKnowsNoServerInternals() {
        mayOnlyUse("arbitrage", "market", "config", "routing").check(gateway);
    }

    @Test
    void booksListenToMarketDataAndAttachToTheServer() {
        mayOnlyUse("book", "market", "server").check(gateway);
    }

    @Test
    void securityKnowsOnlyItsConfigurationAndTheTopicPatterns() {
        mayOnlyUse("security", "config", "routing").check(gateway);
    }

    @Test
    void theRiskGatePlugsIntoThePublishPathAndTheTapFromAboveAndReadsTheBusThroughTheBackend() {
        mayOnlyUse("risk", "market", "server", "security", "monitoring", "config", "backend", "routing").check(gateway);
    }

    @Test
    void regimesPlugIntoTheTapTheQueuesAndTheServerFromAbove() {
        mayOnlyUse("regime", "market", "dispatch", "priority", "backend", "routing", "server", "config").check(gateway);
    }

    @Test
    void instrumentsListenToMarketDataKeepTheirFactsInTheBackendAndAttachToTheServer() {
        mayOnlyUse("instruments", "market", "backend", "server", "config").check(gateway);
    }

    @Test
    void alertingReadsMetricsAndHealthThroughViews() {
        mayOnlyUse("alerting", "monitoring", "config").check(gateway);
    }

    @Test
    void remediationActsThroughHooksOfTheBackendAndServerFromAbove() {
        mayOnlyUse("remediation", "backend", "server", "security", "monitoring", "config").check(gateway);
    }

    @Test
    void tuningMovesDispatchSettingsThroughTunablesAndAnswersOnTheAdminPort() {
        mayOnlyUse("tuning", "dispatch", "monitoring", "config").check(gateway);
    }

    @Test
    void packagesHaveNoCycles() {
        slices().matching(ROOT + ".(*)..").should().beFreeOfCycles().check(gateway);
    }

    @Test
    void onlyTheCompositionRootKnowsGuice() {
        noClasses().that(not(resideInAnyPackage(ROOT)))
                .should().dependOnClassesThat().resideInAnyPackage("com.google.inject..")
                .because("wiring and decorators live at the composition root")
                .check(gateway);
    }

    @Test
    void onlyTheCompositionRootAndConfigSeeTheWholeConfiguration() {
        noClasses().that(not(resideInAnyPackage(ROOT, ROOT + ".config..")))
                .should().dependOnClassesThat().haveFullyQualifiedName(GatewayConfig.class.getName())
                .because("each component receives its own slice (GatewayConfig.Redis, .Limits, ...)")
                .check(gateway);
    }

    /** Classes of {@code pkg} (and below) use nothing in the gateway but these packages (and below). */
    private static ArchRule mayOnlyUse(String pkg, String... allowed) {
        String[] packages = Stream.concat(Stream.of(pkg), Arrays.stream(allowed))
                .map(p -> ROOT + "." + p + "..")
                .toArray(String[]::new);
        return classes().that().resideInAPackage(ROOT + "." + pkg + "..")
                .should().onlyDependOnClassesThat(resideOutsideOfPackage(ROOT + "..").or(resideInAnyPackage(packages)))
                .because(pkg + " may depend on " + (allowed.length == 0 ? "nothing else in the gateway"
                        : String.join(", ", allowed) + " only"));
    }
}
