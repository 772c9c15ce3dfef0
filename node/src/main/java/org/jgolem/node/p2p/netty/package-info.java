/**
 * The P2P network over TCP with Netty; no Netty type leaves this package.
 *
 * <p>Wire: every frame is {@code u32 length ‖ bytes}, at most {@code P2PConfig.maxFrameBytes}. A
 * session starts with a key exchange in the clear (each side: X25519 ephemeral key ‖ 32-byte nonce;
 * the initiator first, the responder only after a frame of the right size), from which both derive
 * a transcript hash and two AES-256-GCM keys (HKDF-SHA256), one per direction, whose nonces are
 * frame counters. Every later frame is encrypted. The initiator then sends a signed Hello whose
 * challenge is the transcript; the responder checks it, admits the peer and answers with its own
 * Hello, or with a Disconnect saying why not. From then on each frame carries one signed envelope.
 * See {@link org.jgolem.node.p2p.netty.HandshakeHandler} and {@link
 * org.jgolem.node.p2p.netty.NettyP2PNetwork} for the rules, {@link
 * org.jgolem.node.p2p.SessionRules} for what gets a peer banned.
 *
 * <p>Threads: networks share an {@link org.jgolem.node.p2p.netty.EventLoops} group (by default one
 * per JVM, at most two threads), so hundreds of nodes can run in one process. Listeners run on
 * those threads and must not block; signature checks run there too.
 */
package org.jgolem.node.p2p.netty;
