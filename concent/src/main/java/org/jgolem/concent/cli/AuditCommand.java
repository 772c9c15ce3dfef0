package org.jgolem.concent.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.jgolem.concent.audit.AuditChain;
import org.jgolem.concent.audit.Auditor;
import org.jgolem.concent.audit.Inconsistency;
import org.jgolem.concent.chain.Web3AuditChain;
import org.jgolem.concent.record.Bundle;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code golem-concent audit BUNDLE [--rpc URL] [--recompute]}: re-checks one case's evidence
 * bundle without Concent (docs/AUDITORS.md). Prints each check on its own line, then {@code
 * CONSISTENT}, or {@code INCONSISTENT <check>: <what>} for the first check that fails. Exit codes:
 * 0 consistent, 1 inconsistent, 2 cannot judge (an unreadable file, not a bundle, an unknown
 * version or entry, a usage error, an RPC node that does not answer or serves another chain).
 */
@Command(
    name = "audit",
    mixinStandardHelpOptions = true,
    description = {
      "Re-check a case's evidence bundle without Concent: Concent's signature over it, every",
      "envelope's signature and evidence chain, every window against the evidence's timestamps,",
      "the promissory notes in the deposit contract's domain, that the verdict follows; with",
      "--rpc, the settlement on chain. Exit: 0 CONSISTENT, 1 INCONSISTENT, 2 cannot judge."
    })
final class AuditCommand implements Callable<Integer> {
  static final int CONSISTENT = 0;
  static final int INCONSISTENT = 1;
  static final int CANNOT_JUDGE = 2;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "BUNDLE", description = "The case's bundle file.")
  Path bundle;

  @Option(
      names = "--rpc",
      paramLabel = "URL",
      description = "Also check the settlement on this chain's JSON-RPC node.")
  String rpc;

  @Option(
      names = "--recompute",
      description =
          "Re-compute the verdict from the resources (AdditionalVerification only; the four use"
              + " cases here compute nothing).")
  boolean recompute;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    byte[] file;
    try {
      file = Files.readAllBytes(bundle);
    } catch (IOException e) {
      err.println("golem-concent audit: cannot read " + bundle + ": " + e.getMessage());
      return CANNOT_JUDGE;
    }
    Optional<AuditChain> chain = Optional.empty();
    Web3AuditChain web3 = null;
    try {
      if (rpc != null) {
        Bundle b = Bundle.read(file);
        web3 = Web3AuditChain.connect(rpc, b.facts().deposit());
        chain = Optional.of(web3);
      }
      Auditor auditor =
          new Auditor(c -> {
            out.printf("ok  %-18s %s%n", c.name(), c.detail());
            out.flush();
          });
      auditor.audit(file, chain);
      if (recompute) {
        out.printf(
            "ok  %-18s %s%n",
            "recompute",
            "nothing to recompute: Concent computed nothing in this case (only"
                + " AdditionalVerification re-computes a result)");
      }
      out.println("CONSISTENT");
      return CONSISTENT;
    } catch (Inconsistency e) {
      out.println("INCONSISTENT " + e.check() + ": " + e.getMessage());
      return INCONSISTENT;
    } catch (Auditor.Unreadable | IllegalArgumentException e) {
      err.println("golem-concent audit: cannot judge " + bundle + ": " + e.getMessage());
      return CANNOT_JUDGE;
    } catch (RuntimeException e) {
      err.println(
          "golem-concent audit: cannot judge "
              + bundle
              + (rpc != null ? " (the chain at " + rpc + ")" : "")
              + ": "
              + e);
      return CANNOT_JUDGE;
    } finally {
      out.flush();
      if (web3 != null) {
        web3.close();
      }
    }
  }
}
