/**
 * The node's side of Concent: the evidence it keeps (the exact signed frames Concent judges), the
 * situations in which its agents turn to Concent by themselves (a report with no answer, a result
 * neither accepted nor rejected, income overdue, a result that cannot be downloaded), the answers
 * it gives to what Concent relays, and each subtask's Concent state for the operator. Domain: it
 * sees Concent through {@link org.jgolem.node.concent.ConcentPort} and its storage through {@link
 * org.jgolem.node.concent.EvidenceStore} and {@link org.jgolem.node.concent.ConcentStates}.
 */
package org.jgolem.node.concent;
