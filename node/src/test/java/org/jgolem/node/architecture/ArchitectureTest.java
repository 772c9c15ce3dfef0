package org.jgolem.node.architecture;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The layers, checked on the compiled classes (issue #15, part 4). The node's test classpath holds
 * the main classes of node and of every module it depends on (protocol, ipfs-bridge, compute,
 * contracts, contract-wrappers, concent), so the rules here see all the classes they check,
 * compute's too: its task templates (org.jgolem.tasks) are domain, its sandboxes
 * (org.jgolem.compute) an adapter. The rules have no exceptions.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ArchitectureTest {
  /**
   * The domain: market rules, tasks (the compute module's templates), payments, reputation, gossip,
   * discovery, and the node's Concent rules (its setting, the deposit rule and checks).
   */
  static final String[] DOMAIN = {
    "org.jgolem.node.market..",
    "org.jgolem.tasks..",
    "org.jgolem.node.payments..",
    "org.jgolem.node.reputation..",
    "org.jgolem.node.gossip..",
    "org.jgolem.node.discovery..",
    "org.jgolem.node.concent.."
  };

  /**
   * What the domain must not touch: chain client, network, container engine, WebAssembly runtime,
   * SQL.
   */
  static final String[] INFRASTRUCTURE = {
    "org.web3j..", "io.netty..", "com.github.dockerjava..", "com.dylibso..", "java.sql.."
  };

  static JavaClasses main;
  static JavaClasses all;

  @BeforeAll
  static void importClasses() {
    main =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(ArchitectureTest::notInATestJar)
            .importPackages("org.jgolem");
    all = new ClassFileImporter().importPackages("org.jgolem");
  }

  @Test
  void theDomainDoesNotImportInfrastructure() {
    ArchRule rule =
        noClasses()
            .that(resideInAnyPackage(DOMAIN))
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(INFRASTRUCTURE)
            .because(
                "domain packages are pure: adapters (chain, p2p.netty, compute, store) do the I/O");
    rule.check(main);
  }

  /**
   * The module a class comes from: ".../protocol/target/classes/..." or
   * ".../protocol-0.1.0-SNAPSHOT.jar!/..." is "protocol".
   */
  static String moduleOf(JavaClass c) {
    String s = c.getSource().map(source -> source.getUri().toString()).orElse("?");
    int target = s.indexOf("/target/");
    if (target > 0) {
      String before = s.substring(0, target);
      return before.substring(before.lastIndexOf('/') + 1);
    }
    int jar = s.indexOf(".jar!");
    String path = jar > 0 ? s.substring(0, jar) : s;
    return path.substring(path.lastIndexOf('/') + 1).replaceAll("-\\d.*$", "");
  }

  /**
   * A slice per package of each module: a cycle is found within a module, whatever the packages'
   * names elsewhere.
   */
  static final SliceAssignment PACKAGE_OF_MODULE =
      new SliceAssignment() {
        @Override
        public SliceIdentifier getIdentifierOf(JavaClass c) {
          return SliceIdentifier.of(moduleOf(c) + ": " + c.getPackageName());
        }

        @Override
        public String getDescription() {
          return "the packages of each module";
        }
      };

  @Test
  void noModuleHasPackageCycles() {
    assertThat(main.stream().map(ArchitectureTest::moduleOf).collect(Collectors.toSet()))
        .as("the modules whose main classes node sees")
        .contains("protocol", "ipfs-bridge", "compute", "contract-wrappers", "node");
    slices().assignedFrom(PACKAGE_OF_MODULE).should().beFreeOfCycles().check(main);
  }

  @Test
  void mainCodeDoesNotDependOnTestKitsOrTestSources() {
    ImportOption onlyTests =
        location ->
            new ImportOption.OnlyIncludeTests().includes(location) || !notInATestJar(location);
    Set<String> testOnly =
        all.stream()
            .filter(c ->
                c.getSource().map(s -> onlyTests.includes(Location.of(s.getUri()))).orElse(false))
            .map(JavaClass::getName)
            .collect(Collectors.toSet());
    assertThat(testOnly).as("test classes seen (else this rule checks nothing)").isNotEmpty();
    ArchRule rule =
        noClasses()
            .that()
            .resideOutsideOfPackage("org.jgolem.testkit..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage("org.jgolem.testkit..")
            .orShould(dependOnAnyOf(testOnly))
            .because(
                "test kits and test sources are for tests; production code ships without them");
    rule.check(main);
  }

  static ArchCondition<JavaClass> dependOnAnyOf(Set<String> testOnly) {
    return new ArchCondition<>("depend on classes that live only in test sources") {
      @Override
      public void check(JavaClass c, ConditionEvents events) {
        for (Dependency d : c.getDirectDependenciesFromSelf()) {
          if (testOnly.contains(d.getTargetClass().getName())) {
            events.add(SimpleConditionEvent.satisfied(d, d.getDescription()));
          }
        }
      }
    };
  }

  @Test
  void theMarketsTwoSidesShareOnlyTheMarketPackage() {
    noClasses()
        .that()
        .resideInAPackage("org.jgolem.node.market.provider..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("org.jgolem.node.market.requestor..")
        .because("what both sides need (prices, timings, the loop) lives in org.jgolem.node.market")
        .check(main);
    noClasses()
        .that()
        .resideInAPackage("org.jgolem.node.market.requestor..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("org.jgolem.node.market.provider..")
        .because("what both sides need (prices, timings, the loop) lives in org.jgolem.node.market")
        .check(main);
  }

  @Test
  void nodeMainDoesNotSleep() {
    ArchRule rule =
        noClasses()
            .that()
            .resideInAnyPackage("org.jgolem.node..", "org.jgolem.compute..", "org.jgolem.tasks..")
            .should()
            .callMethod(Thread.class, "sleep", long.class)
            .orShould()
            .callMethod(Thread.class, "sleep", long.class, int.class)
            .orShould()
            .callMethod(Thread.class, "sleep", Duration.class)
            .orShould()
            .callMethod(TimeUnit.class, "sleep", long.class)
            .because(
                "time is injected (a Clock and a scheduler); a test advances a fake clock instead of waiting");
    rule.check(main);
  }

  /**
   * Test kits published as Maven test-jars ({@code *-tests.jar}: the node's and contract-wrappers')
   * are test code; a reactor build that has packaged them puts the jars, not their test-classes
   * folders, on the class path.
   */
  static boolean notInATestJar(Location location) {
    return !location.contains("-tests.jar");
  }
}
