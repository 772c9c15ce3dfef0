package org.jgolem.concent;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Concent's rules (evidence, cases, time, the service and its ports, the auditors' record and the
 * audit) do no I/O of their own: they touch neither the chain client, nor the network, nor SQL, nor
 * HTTP. Adapters do.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DomainPackagesTest {
  @Test
  void theDomainTouchesNoInfrastructure() {
    JavaClasses classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages(
                "org.jgolem.concent.evidence",
                "org.jgolem.concent.cases",
                "org.jgolem.concent.time",
                "org.jgolem.concent.service",
                "org.jgolem.concent.record",
                "org.jgolem.concent.audit",
                "org.jgolem.concent.api");
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "org.web3j..",
            "io.netty..",
            "java.sql..",
            "javax.sql..",
            "java.net.http..",
            "com.sun.net..")
        .check(classes);
  }
}
