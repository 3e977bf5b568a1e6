package org.lsrlucene.index;

import java.util.HashMap;
import java.util.Map;

/**
 * Puts parsed blocks, finished by several threads in any order, back into input order for the one thread that adds
 * them to the index. Holds at most {@code capacity} blocks ahead of the next one to write, so parsers wait instead
 * of filling the heap.
 */
final class BlockReorderBuffer {
  private final int capacity;
  private final Map<Integer, ParsedBlock> waiting = new HashMap<>();
  private int next;
  private int total = -1;
  private boolean stopped;

  BlockReorderBuffer(int capacity) {
    this.capacity = capacity;
  }

  /** Hand in block {@code seq}; waits while it is too far ahead. False when the buffer was stopped. */
  synchronized boolean put(ParsedBlock block) throws InterruptedException {
    while (!stopped && block.seq - next >= capacity) {
      wait();
    }
    if (stopped) {
      return false;
    }
    waiting.put(block.seq, block);
    notifyAll();
    return true;
  }

  /** There are {@code total} blocks in all. */
  synchronized void finish(int total) {
    this.total = total;
    notifyAll();
  }

  /** The next block in input order; null after the last one or once stopped. */
  synchronized ParsedBlock take() throws InterruptedException {
    while (!stopped && !waiting.containsKey(next) && next != total) {
      wait();
    }
    if (stopped || next == total) {
      return null;
    }
    ParsedBlock block = waiting.remove(next++);
    notifyAll();
    return block;
  }

  /** Wake everyone up and refuse further blocks (after a failure or a cancel). */
  synchronized void stop() {
    stopped = true;
    notifyAll();
  }
}
