/**
 * The chain of evidence a Concent request rests on: {@link
 * org.jgolem.concent.evidence.EvidenceVerifier} opens each embedded frame with the protocol's codec
 * and checks who signed it and what it answers, and returns the checked frames as typed records
 * ({@link org.jgolem.concent.evidence.ReportEvidence}, {@link
 * org.jgolem.concent.evidence.AcceptanceEvidence}, {@link
 * org.jgolem.concent.evidence.PaymentEvidence}). Pure: no clock, no store, no chain.
 */
package org.jgolem.concent.evidence;
