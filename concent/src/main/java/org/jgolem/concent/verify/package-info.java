/**
 * AdditionalVerification's re-computation as the service sees it: the {@link
 * org.jgolem.concent.verify.Recomputer} port, what it is given ({@link
 * org.jgolem.concent.verify.Dispute}) and what it finds ({@link
 * org.jgolem.concent.verify.Judgement}). Free of the sandboxes; the adapter over the compute module
 * implements the port.
 */
package org.jgolem.concent.verify;
