package org.lsrlucene.search;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToLongFunction;
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

  /**
   * One term's postings in one segment by impact, highest first, for reading only those above a contribution, a range
   * of {@code 1 << RANGE_BITS} documents at a time. Each posting is its document's offset within its range (2 bytes a
   * posting), in runs: the postings of impact {@code levels[j]} (descending) are runs {@code runStarts[j]} up to
   * {@code runStarts[j + 1]} exclusive, ranges ascending, run x being range {@code runRanges[x]}'s postings from
   * {@code offsets[runFrom[x]]} up to {@code offsets[runFrom[x + 1]]} exclusive, documents ascending.
   */
  static final class ByImpact {
    /** Documents per range: {@code 1 << RANGE_BITS}, so that an offset fits in a char. */
    static final int RANGE_BITS = 16;

    final int[] levels;
    final char[] offsets;
    final int[] runStarts;
    final int[] runRanges;
    final int[] runFrom;

    private ByImpact(int[] levels, char[] offsets, int[] runStarts, int[] runRanges, int[] runFrom) {
      this.levels = levels;
      this.offsets = offsets;
      this.runStarts = runStarts;
      this.runRanges = runRanges;
      this.runFrom = runFrom;
    }

    /** How many postings have impact {@code levels[j]}. */
    int size(int j) {
      return runFrom[runStarts[j + 1]] - runFrom[runStarts[j]];
    }

    long bytes() {
      return Character.BYTES * (long) offsets.length
          + Integer.BYTES * ((long) levels.length + runStarts.length + 2L * runRanges.length);
    }
  }

  /** Bytes that the decoded postings of all open searchers may take together. */
  static final long SHARED_BUDGET = Runtime.getRuntime().maxMemory() / 2;

  private static final AtomicLong SHARED = new AtomicLong();

  private final ConcurrentHashMap<Key, Postings> lists = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Key, ByImpact> byImpact = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Key, ForwardVectors.Decoded> forward = new ConcurrentHashMap<>();
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
    byImpact.clear();
    forward.clear();
    SHARED.addAndGet(-used.getAndSet(0));
  }

  /**
   * The postings of the term that {@code termsEnum} (of {@code field} in segment {@code leafOrd}) is positioned on, at
   * {@code term}; null when they do not fit in what is left of the budget.
   */
  Postings get(int leafOrd, String field, BytesRef term, TermsEnum termsEnum) throws IOException {
    return cached(lists, new Key(leafOrd, field, term), (long) termsEnum.docFreq() * BYTES_PER_POSTING,
                  () -> decode(termsEnum), Postings::bytes);
  }

  /**
   * The postings of {@code term} in {@code field} of segment {@code leafOrd} in order of impact ({@link ByImpact});
   * {@code termsEnum}, of that field and segment, reads them when they are not decoded yet. Null when the segment
   * lacks the term; when they do not fit in what is left of the budget, they are decoded for this use only.
   */
  ByImpact byImpact(int leafOrd, String field, BytesRef term, TermsEnum termsEnum) throws IOException {
    Key key = new Key(leafOrd, field, term);
    ByImpact found = byImpact.get(key);
    if (found != null || !termsEnum.seekExact(term)) {
      return found;
    }
    found = cached(byImpact, key, (long) termsEnum.docFreq() * Integer.BYTES, () -> decodeByImpact(termsEnum),
                   ByImpact::bytes);
    return found != null ? found : decodeByImpact(termsEnum);
  }

  /**
   * Segment {@code leafOrd}'s forward vectors read by {@code decoder} (at most {@code estimate} bytes), kept on the
   * heap; null when they do not fit in what is left of the budget, or {@code decoder} gives none.
   */
  ForwardVectors.Decoded forward(int leafOrd, long estimate, Decoder<ForwardVectors.Decoded> decoder)
      throws IOException {
    return cached(forward, new Key(leafOrd, ForwardVectors.VECTOR_FIELD, new BytesRef()), estimate, decoder,
                  ForwardVectors.Decoded::bytes);
  }

  /** A term of a field in a segment. */
  private static final class Key {
    private final int leafOrd;
    private final String field;
    private final BytesRef term;
    private final int hash;

    Key(int leafOrd, String field, BytesRef term) {
      this.leafOrd = leafOrd;
      this.field = field;
      this.term = term;
      this.hash = (31 * leafOrd + field.hashCode()) * 31 + term.hashCode();
    }

    @Override
    public boolean equals(Object other) {
      if (!(other instanceof Key)) {
        return false;
      }
      Key that = (Key) other;
      return leafOrd == that.leafOrd && field.equals(that.field) && term.bytesEquals(that.term);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }

  /** Reads what is to be kept on the heap. */
  interface Decoder<T> {
    T decode() throws IOException;
  }

  /**
   * What {@code map} holds at {@code key}, else what {@code decoder} reads when its {@code estimate} of bytes fits in
   * what is left of the budget (then kept at {@code key}, its {@code bytes} counted); else null.
   */
  private <T> T cached(ConcurrentHashMap<Key, T> map, Key key, long estimate, Decoder<T> decoder,
                       ToLongFunction<T> bytes) throws IOException {
    T found = map.get(key);
    long left = Math.min(budget - used.get(), SHARED_BUDGET - SHARED.get());
    if (found != null || estimate > left) {  // no decoding that cannot be kept
      return found;
    }
    try {
      return map.computeIfAbsent(key, unused -> {
        try {
          T decoded = decoder.decode();
          return decoded != null && reserve(bytes.applyAsLong(decoded)) ? decoded : null;
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

  /**
   * The postings of the term {@code termsEnum} is positioned on, in order of impact: its distinct impacts sorted, then
   * each posting placed in its impact's run (a counting sort, documents ascending within a run).
   */
  private static ByImpact decodeByImpact(TermsEnum termsEnum) throws IOException {
    Postings list = decode(termsEnum);
    int n = list.docs.length;
    int[] freqs = new int[n];
    for (int i = 0; i < n; i++) {
      freqs[i] = list.impact(i);
    }
    int[] ascending = Arrays.copyOf(freqs, n);
    Arrays.sort(ascending);
    int distinct = 0;
    for (int i = 0; i < n; i++) {
      if (i == 0 || ascending[i] != ascending[i - 1]) {
        ascending[distinct++] = ascending[i];
      }
    }
    int[] levels = new int[distinct];
    for (int j = 0; j < distinct; j++) {
      levels[j] = ascending[distinct - 1 - j];
    }
    int[] starts = new int[distinct + 1];
    int[] level = new int[n];
    for (int i = 0; i < n; i++) {
      level[i] = distinct - 1 - Arrays.binarySearch(ascending, 0, distinct, freqs[i]);
      starts[level[i] + 1]++;
    }
    for (int j = 0; j < distinct; j++) {
      starts[j + 1] += starts[j];
    }
    int[] next = Arrays.copyOf(starts, distinct);
    int[] sorted = new int[n];
    for (int i = 0; i < n; i++) {
      sorted[next[level[i]]++] = list.docs[i];
    }
    return byRange(levels, starts, sorted);
  }

  /** The runs of {@code docs} (ascending within each level of {@code starts}) by range, and their offsets. */
  private static ByImpact byRange(int[] levels, int[] starts, int[] docs) {
    char[] offsets = new char[docs.length];
    int[] runStarts = new int[levels.length + 1];
    int[] runRanges = new int[docs.length];
    int[] runFrom = new int[docs.length + 1];
    int runs = 0;
    for (int j = 0; j < levels.length; j++) {
      runStarts[j] = runs;
      for (int i = starts[j]; i < starts[j + 1]; i++) {
        int range = docs[i] >>> ByImpact.RANGE_BITS;
        if (i == starts[j] || range != runRanges[runs - 1]) {
          runRanges[runs] = range;
          runFrom[runs++] = i;
        }
        offsets[i] = (char) (docs[i] & ((1 << ByImpact.RANGE_BITS) - 1));
      }
    }
    runStarts[levels.length] = runs;
    runFrom[runs] = docs.length;
    return new ByImpact(levels, offsets, runStarts, Arrays.copyOf(runRanges, runs),
                        Arrays.copyOf(runFrom, runs + 1));
  }
}
