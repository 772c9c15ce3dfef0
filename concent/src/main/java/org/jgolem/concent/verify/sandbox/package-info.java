/**
 * AdditionalVerification's re-computation in Concent's own sandboxes: {@link
 * org.jgolem.concent.verify.sandbox.SandboxRecomputer}, the adapter of the {@link
 * org.jgolem.concent.verify.Recomputer} port over the compute module's task computer (the same WASM
 * and Docker environments, with the same limits and escape tests, as a provider's), with the method
 * of each task type: gWASM digests ({@link org.jgolem.concent.verify.sandbox.GwasmRecheck}),
 * Blender crops compared by SSIM ({@link org.jgolem.concent.verify.sandbox.BlenderRecheck}), and
 * Docker, which no template declares deterministic yet (a neutral judgement).
 */
package org.jgolem.concent.verify.sandbox;
