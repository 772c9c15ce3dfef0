package org.jgolem.concent.record;

import java.util.List;
import java.util.OptionalLong;

/**
 * One page of cases; {@code next} is the cursor of the next page (the id of this page's last case),
 * empty if this is the last. Ids never change and cases are never removed, so a cursor stays valid:
 * cases opened later come on later pages.
 */
public record CasePage(List<CaseSummary> cases, OptionalLong next) {
  public CasePage {
    cases = List.copyOf(cases);
  }
}
