package org.jgolem.ipfs;

/** What a garbage collection removed and kept. */
public record GcResult(long blocksRemoved, long bytesFreed, long blocksKept) {}
