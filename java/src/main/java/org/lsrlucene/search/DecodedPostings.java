package org.lsrlucene.search;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.lucene.index.PostingsEnum;
import org.apache.lucene.index.TermsEnum;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.util.BytesRef;

/**
 * Posting lists decoded once into arrays on the heap, up to a byte budget, for term-at-a-time scoring: summing from an
 * array of document numbers and one of impacts costs a fraction of what a {@link PostingsEnum} costs per posting
 * (block decoding and two calls per document). A term is decoded the first time a query uses it; once the budget is
 * spent, further terms are read from the index as before. Besides its own budget, every searcher's decoded postings
 * together stay within half the JVM's maximum heap. Scores do not change: the impacts are the postings' frequencies,
 * unchanged. One instance per searcher, shared by its threads (its reader never changes).
 */
final class DecodedPostings {
  /** Bytes a cached posting costs: its document number and one impact byte (impacts above 255 take an int). */
  static final int BYTES_PER_POSTING = 5;

  /** One term's postings in one segment: document numbers ascending, impacts in {@code impacts} or {@code wide}. */
  static final class Postings {
    final int[] docs;
    final byte[] impacts;
    final int[] wide;

    private Postings(int[] docs, byte[] impacts, int[] wide) {
      this.docs = docs;
      this.impacts = impacts;
      this.wide = wide;
    }

    int impact(int i) {
      return wide == null ? impacts[i] & 0xFF : wide[i];
    }

    long bytes() {
      return docs.length * (long) (wide == null ? BYTES_PER_POSTING : 8);
    }
  }

  /** Bytes that the decoded postings of all open searchers may take together. */
  static final long SHARED_BUDGET = Runtime.getRuntime().maxMemory() / 2;

  private static final AtomicLong SHARED = new AtomicLong();

  private final ConcurrentHashMap<String, Postings> lists = new ConcurrentHashMap<>();
  private final AtomicLong used = new AtomicLong();
  private final long budget;

  /** @param budget bytes this searcher's decoded postings may take; 0 turns decoding off */
  DecodedPostings(long budget) {
    this.budget = budget;
  }

  long usedBytes() {
    return used.get();
  }

  /** Drop every decoded list (the searcher is closed or its budget changed). */
  void release() {
    lists.clear();
    SHARED.addAndGet(-used.getAndSet(0));
  }

  /**
   * The postings of the term that {@code termsEnum} (of {@code field} in segment {@code leafOrd}) is positioned on, at
   * {@code term}; null when they do not fit in what is left of the budget.
   */
  Postings get(int leafOrd, String field, BytesRef term, TermsEnum termsEnum) throws IOException {
    String key = leafOrd + "\u0000" + field + "\u0000" + term.utf8ToString();
    Postings found = lists.get(key);
    long left = Math.min(budget - used.get(), SHARED_BUDGET - SHARED.get());
    if (found != null || (long) termsEnum.docFreq() * BYTES_PER_POSTING > left) {  // no decoding that cannot be kept
      return found;
    }
    try {
      return lists.computeIfAbsent(key, unused -> {
        try {
          Postings decoded = decode(termsEnum);
          return reserve(decoded.bytes()) ? decoded : null;
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  private boolean reserve(long bytes) {
    if (used.addAndGet(bytes) > budget) {
      used.addAndGet(-bytes);
      return false;
    }
    if (SHARED.addAndGet(bytes) > SHARED_BUDGET) {
      SHARED.addAndGet(-bytes);
      used.addAndGet(-bytes);
      return false;
    }
    return true;
  }

  private static Postings decode(TermsEnum termsEnum) throws IOException {
    int[] docs = new int[termsEnum.docFreq()];  // a segment's postings list its deleted documents too, as docFreq
    int[] freqs = new int[docs.length];
    PostingsEnum postings = termsEnum.postings(null, PostingsEnum.FREQS);
    int n = 0;
    int max = 0;
    for (int doc = postings.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = postings.nextDoc()) {
      docs[n] = doc;
      freqs[n] = postings.freq();
      max = Math.max(max, freqs[n++]);
    }
    if (max > 255) {
      return new Postings(docs, null, freqs);
    }
    byte[] impacts = new byte[n];
    for (int i = 0; i < n; i++) {
      impacts[i] = (byte) freqs[i];
    }
    return new Postings(docs, impacts, null);
  }
}
