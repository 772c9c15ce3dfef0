/**
 * An in-memory {@link org.jgolem.node.p2p.P2PNetwork} for tests of the layers above: nodes on a
 * {@link org.jgolem.node.p2p.memory.MemoryNetworkHub} connect by virtual host:port, and their
 * envelopes go through the same encoding, signature, freshness, sender and rate checks as over
 * Netty. Delivery is in send order, on the hub's thread or, with {@link
 * org.jgolem.node.p2p.memory.MemoryNetworkHub#manual()}, when the test calls {@code deliverAll()}.
 */
package org.jgolem.node.p2p.memory;
