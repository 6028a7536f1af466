package io.cairn.architecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The package structure of docs/architecture.md, enforced on the compiled classes: no cycle between
 * packages, a state machine that depends on nothing but the JDK, an engine that speaks no Netty and
 * reads no configuration, leaf packages that stay leaves, statistics and PEM reading kept with the
 * JDK alone, a metrics library known to one package, and an MQTT client (pub, sub) that knows none of
 * the broker's internals.
 */
class PackageRulesTest {

    private static JavaClasses main;

    @BeforeAll
    static void importMainClasses() {
        main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.cairn");
    }

    @Test
    void noCycleBetweenPackages() {
        slices().matching("io.cairn.(**)").should().beFreeOfCycles().check(main);
    }

    @Test
    void theStateMachineDependsOnNothingButTheJdkAndTopicMatching() {
        noClasses().that().resideInAPackage("io.cairn.state..")
                .should().dependOnClassesThat().resideOutsideOfPackages("io.cairn.state..", "io.cairn.topic..", "java..")
                .check(main);
    }

    @Test
    void theEngineSpeaksNoNettyAndReadsNoConfiguration() {
        noClasses().that().resideInAnyPackage("io.cairn.engine..", "io.cairn.routing..")
                .should().dependOnClassesThat().resideInAnyPackage("io.netty..", "io.cairn.protocol..",
                        "io.cairn.transport..", "io.cairn.config..")
                .check(main);
    }

    @Test
    void topicAndFaultAreLeaves() {
        noClasses().that().resideInAnyPackage("io.cairn.topic..", "io.cairn.fault..")
                .should().dependOnClassesThat().resideInAnyPackage("io.cairn.config..", "io.cairn.state..",
                        "io.cairn.engine..", "io.cairn.store..", "io.cairn.protocol..", "io.cairn.transport..",
                        "io.cairn.routing..")
                .check(main);
    }

    @Test
    void configurationPassesValuesAndKnowsNoRuntimePackage() {
        noClasses().that().resideInAPackage("io.cairn.config..")
                .should().dependOnClassesThat().resideInAnyPackage("io.cairn.engine..", "io.cairn.store..",
                        "io.cairn.protocol..", "io.cairn.transport..", "io.cairn.state..", "io.cairn.routing..")
                .check(main);
    }

    @Test
    void onlyTheMetricsPackageKnowsMicrometer() {
        noClasses().that().resideOutsideOfPackage("io.cairn.metrics..")
                .should().dependOnClassesThat().resideInAnyPackage("io.micrometer..", "io.prometheus..")
                .check(main);
    }

    @Test
    void pemReadingDependsOnNothingButTheJdk() {
        noClasses().that().resideInAPackage("io.cairn.tls..")
                .should().dependOnClassesThat().resideOutsideOfPackages("io.cairn.tls..", "java..")
                .check(main);
    }

    @Test
    void theClientKnowsNoBrokerInternals() {
        noClasses().that().resideInAnyPackage("io.cairn.client..", "io.cairn.cli..")
                .should().dependOnClassesThat().resideInAnyPackage("io.cairn.engine..", "io.cairn.state..",
                        "io.cairn.store..", "io.cairn.routing..", "io.cairn.protocol..", "io.cairn.transport..",
                        "io.cairn.config..")
                .check(main);
    }

    @Test
    void theStatsDependOnNothingButTheJdk() {
        noClasses().that().resideInAPackage("io.cairn.stats..")
                .should().dependOnClassesThat().resideOutsideOfPackages("io.cairn.stats..", "java..")
                .check(main);
    }
}
