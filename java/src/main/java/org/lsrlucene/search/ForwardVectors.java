package org.lsrlucene.search;

import java.io.IOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.lucene.index.BinaryDocValues;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.PostingsEnum;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.Terms;
import org.apache.lucene.index.TermsEnum;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.util.BytesRef;

/**
 * Each document's impact vector (a forward index), which gives any document's exact score for a query in one read of
 * its vector instead of one skip through each query term's postings: the rescoring of approximate search's
 * candidates. Read from a copy on the heap, inverted from the postings of {@link BatchImpactSearcher#CONTENTS} once
 * (4 bytes a posting, within the {@link DecodedPostings} budget, when term ids and impacts fit in 16 bits); else, in
 * an index built by the plugin with {@code setTermTopPostings}, from binary doc values (term ids of the vocabulary
 * that the index commit's user data holds, ascending, as variable-length deltas, each followed by its impact).
 */
public final class ForwardVectors {
  /** The doc values field of the forward vectors. */
  public static final String VECTOR_FIELD = "vector";
  /** The postings field that keeps each term's top postings only. */
  public static final String TOP_FIELD = "contents_top";
  /** Commit user data: the vocabulary, one term per line, line i is term id i. */
  public static final String VOCABULARY_KEY = "lsr-lucene.vocabulary";
  /** Commit user data: how many postings per term {@link #TOP_FIELD} keeps. */
  public static final String TOP_POSTINGS_KEY = "lsr-lucene.term-top-postings";

  private final Map<BytesRef, Integer> ids;
  private final int topPostings;
  private final Set<Integer> tooWide = ConcurrentHashMap.newKeySet();

  private ForwardVectors(Map<BytesRef, Integer> ids, int topPostings) {
    this.ids = ids;
    this.topPostings = topPostings;
  }

  /**
   * The forward vectors of the index {@code reader} opened: with the vocabulary and doc values an index built with
   * top postings has, else with a vocabulary of the terms of its postings (and no doc values; read up to the size
   * past which no heap copy is made).
   */
  static ForwardVectors of(DirectoryReader reader) throws IOException {
    Map<String, String> data = reader.getIndexCommit().getUserData();
    String vocabulary = data.get(VOCABULARY_KEY);
    Map<BytesRef, Integer> ids = new HashMap<>();
    if (vocabulary != null) {
      for (String term : vocabulary.split("\n", -1)) {
        ids.put(new BytesRef(term), ids.size());
      }
      return new ForwardVectors(ids, Integer.parseInt(data.get(TOP_POSTINGS_KEY)));
    }
    for (LeafReaderContext leaf : reader.leaves()) {  // up to one term more than a char holds: no heap copy then
      Terms terms = leaf.reader().terms(BatchImpactSearcher.CONTENTS);
      TermsEnum termsEnum = terms == null ? TermsEnum.EMPTY : terms.iterator();
      for (BytesRef term = termsEnum.next(); term != null && ids.size() <= Character.MAX_VALUE + 1;
           term = termsEnum.next()) {
        if (!ids.containsKey(term)) {
          ids.put(BytesRef.deepCopyOf(term), ids.size());
        }
      }
    }
    return new ForwardVectors(ids, 0);
  }

  /** How many postings per term {@link #TOP_FIELD} keeps; 0 when the index has neither it nor doc values. */
  int topPostings() {
    return topPostings;
  }

  /** {@code termIds} (any order) and impacts as bytes: term ids ascending, each as a delta and its impact, vints. */
  public static byte[] encode(int[] termIds, int[] impacts, int size) {
    long[] pairs = new long[size];
    for (int i = 0; i < size; i++) {
      pairs[i] = ((long) termIds[i] << 32) | (impacts[i] & 0xffffffffL);
    }
    Arrays.sort(pairs);
    byte[] out = new byte[10 * size];
    int pos = 0;
    int previous = 0;
    for (long pair : pairs) {
      int id = (int) (pair >>> 32);
      pos = writeVInt(out, pos, id - previous);
      pos = writeVInt(out, pos, (int) pair);
      previous = id;
    }
    return Arrays.copyOf(out, pos);
  }

  private static int writeVInt(byte[] out, int pos, int value) {
    while ((value & ~0x7F) != 0) {
      out[pos++] = (byte) ((value & 0x7F) | 0x80);
      value >>>= 7;
    }
    out[pos++] = (byte) value;
    return pos;
  }

  /**
   * One segment's forward vectors on the heap: document d's terms are {@code entries[starts[d]]} up to
   * {@code entries[starts[d + 1]]} exclusive, in the order of the terms' bytes, each its term id (16 high bits) and
   * impact (16 low bits) in one int, so that a document is read in one pass over memory (4 bytes a posting).
   */
  static final class Decoded {
    final int[] starts;
    final int[] entries;

    private Decoded(int[] starts, int[] entries) {
      this.starts = starts;
      this.entries = entries;
    }

    long bytes() {
      return Integer.BYTES * ((long) starts.length + entries.length);
    }
  }

  /**
   * The heap copy of the forward vectors of segment {@code leaf}: its postings inverted, document by document; null
   * when an impact is above what 16 bits hold (the segment is then marked, not inverted again).
   */
  private Decoded invert(int leafOrd, LeafReader leaf) throws IOException {
    int[] starts = new int[leaf.maxDoc() + 1];
    Terms terms = leaf.terms(BatchImpactSearcher.CONTENTS);
    PostingsEnum postings = null;
    TermsEnum termsEnum = terms == null ? TermsEnum.EMPTY : terms.iterator();
    for (BytesRef term = termsEnum.next(); term != null; term = termsEnum.next()) {
      postings = termsEnum.postings(postings, PostingsEnum.NONE);
      for (int doc = postings.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = postings.nextDoc()) {
        starts[doc + 1]++;
      }
    }
    for (int doc = 0; doc < leaf.maxDoc(); doc++) {
      starts[doc + 1] += starts[doc];
    }
    int[] next = Arrays.copyOf(starts, leaf.maxDoc());
    int[] entries = new int[starts[leaf.maxDoc()]];
    termsEnum = terms == null ? TermsEnum.EMPTY : terms.iterator();
    for (BytesRef term = termsEnum.next(); term != null; term = termsEnum.next()) {
      Integer id = ids.get(term);
      if (id == null) {
        throw new IllegalStateException("term " + term.utf8ToString() + " is not in the index's vocabulary");
      }
      postings = termsEnum.postings(postings, PostingsEnum.FREQS);
      for (int doc = postings.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = postings.nextDoc()) {
        if (postings.freq() > Character.MAX_VALUE) {
          tooWide.add(leafOrd);
          return null;
        }
        entries[next[doc]++] = id << 16 | postings.freq();
      }
    }
    return new Decoded(starts, entries);
  }

  /**
   * Per-thread scoring state: the query's weights by term id. A segment's vectors are read from the heap copy that
   * {@code decoded} keeps when it fits in its budget (and the vocabulary's ids in 16 bits), else from the doc values.
   */
  final class Scorer {
    private final DecodedPostings decoded;
    private final float[] weights = new float[ids.size()];
    private byte[] bytes;
    private int pos;
    private final int[][] groupEntries = new int[4][];
    private final int[] groupFrom = new int[4];
    private final int[] groupTo = new int[4];
    private final float[] groupScores = new float[4];
    private int[] set = new int[0];
    private int count;

    Scorer(DecodedPostings decoded) {
      this.decoded = decoded;
    }

    /** Set the query whose scores {@link #rescore} computes. */
    void query(VectorQuery query) {
      for (int i = 0; i < count; i++) {
        weights[set[i]] = 0;
      }
      count = 0;
      if (set.length < query.size()) {
        set = new int[query.size()];
      }
      for (int t = 0; t < query.size(); t++) {
        Integer id = ids.get(query.terms[t]);
        if (id != null) {
          weights[id] = query.weights[t];
          set[count++] = id;
        }
      }
    }

    /**
     * Replace each {@code scores[i]} by the exact score of index-wide document {@code docs[i]}; false, with nothing
     * replaced, when the vectors of a segment that holds one of them are neither on the heap nor in doc values.
     */
    boolean rescore(List<LeafReaderContext> leaves, int[] docs, float[] scores) throws IOException {
      Decoded[] heap = new Decoded[leaves.size()];
      boolean[] looked = new boolean[leaves.size()];
      int[] subs = new int[docs.length];
      for (int i = 0; i < docs.length; i++) {
        int sub = subs[i] = ReaderUtil.subIndex(docs[i], leaves);
        if (!looked[sub]) {
          looked[sub] = true;
          heap[sub] = heapCopy(sub, leaves.get(sub).reader());
          if (heap[sub] == null && topPostings == 0) {
            return false;
          }
        }
      }
      int[] fromHeap = new int[docs.length];
      int n = 0;
      Integer[] order = new Integer[docs.length];
      int m = 0;
      for (int i = 0; i < docs.length; i++) {
        if (heap[subs[i]] != null) {
          fromHeap[n++] = i;
        } else {
          order[m++] = i;
        }
      }
      for (int p = 0; p < n; p += 4) {  // four at a time: their reads from memory and their sums overlap
        for (int g = 0; g < 4; g++) {
          int i = fromHeap[Math.min(p + g, n - 1)];
          Decoded vectors = heap[subs[i]];
          int doc = docs[i] - leaves.get(subs[i]).docBase;
          groupEntries[g] = vectors.entries;
          groupFrom[g] = vectors.starts[doc];
          groupTo[g] = vectors.starts[doc + 1];
        }
        scoreGroup();
        for (int g = 0; g < 4; g++) {
          scores[fromHeap[Math.min(p + g, n - 1)]] = groupScores[g];
        }
      }
      Arrays.sort(order, 0, m, (a, b) -> Integer.compare(docs[a], docs[b]));
      int leafIndex = -1;
      BinaryDocValues values = null;
      int base = 0;
      for (int o = 0; o < m; o++) {
        int i = order[o];
        if (subs[i] != leafIndex) {
          leafIndex = subs[i];
          values = DocValues.getBinary(leaves.get(leafIndex).reader(), VECTOR_FIELD);
          base = leaves.get(leafIndex).docBase;
        }
        if (!values.advanceExact(docs[i] - base)) {
          throw new IllegalStateException("document " + docs[i] + " has no forward vector");
        }
        scores[i] = score(values.binaryValue());
      }
      return true;
    }

    private Decoded heapCopy(int leafOrd, LeafReader leaf) throws IOException {
      Terms terms = leaf.terms(BatchImpactSearcher.CONTENTS);
      long postings = terms == null ? 0 : terms.getSumDocFreq();
      if (ids.size() > Character.MAX_VALUE + 1 || postings > Integer.MAX_VALUE - 8 || tooWide.contains(leafOrd)) {
        return null;
      }
      long bytes = Integer.BYTES * (leaf.maxDoc() + 1L) + 2L * Character.BYTES * postings;
      return decoded.forward(leafOrd, bytes, () -> invert(leafOrd, leaf));
    }

    /**
     * The scores of the four documents of {@link #groupEntries} (entries {@link #groupFrom} to {@link #groupTo}) into
     * {@link #groupScores}, their loops interleaved; each sum is taken in its document's order, in double, and
     * rounded to float.
     */
    private void scoreGroup() {
      int[] a = groupEntries[0];
      int[] b = groupEntries[1];
      int[] c = groupEntries[2];
      int[] d = groupEntries[3];
      int ia = groupFrom[0];
      int ib = groupFrom[1];
      int ic = groupFrom[2];
      int id = groupFrom[3];
      int common = Math.min(Math.min(groupTo[0] - ia, groupTo[1] - ib), Math.min(groupTo[2] - ic, groupTo[3] - id));
      double sumA = 0;
      double sumB = 0;
      double sumC = 0;
      double sumD = 0;
      for (int x = 0; x < common; x++) {
        int ea = a[ia++];
        int eb = b[ib++];
        int ec = c[ic++];
        int ed = d[id++];
        sumA += (ea & 0xFFFF) * weights[ea >>> 16];
        sumB += (eb & 0xFFFF) * weights[eb >>> 16];
        sumC += (ec & 0xFFFF) * weights[ec >>> 16];
        sumD += (ed & 0xFFFF) * weights[ed >>> 16];
      }
      groupScores[0] = (float) rest(a, ia, groupTo[0], sumA);
      groupScores[1] = (float) rest(b, ib, groupTo[1], sumB);
      groupScores[2] = (float) rest(c, ic, groupTo[2], sumC);
      groupScores[3] = (float) rest(d, id, groupTo[3], sumD);
    }

    /** {@code sum} plus the contributions of {@code entries[from..to)}, in order. */
    private double rest(int[] entries, int from, int to, double sum) {
      for (int i = from; i < to; i++) {
        sum += (entries[i] & 0xFFFF) * weights[entries[i] >>> 16];
      }
      return sum;
    }

    private float score(BytesRef vector) {
      bytes = vector.bytes;
      pos = vector.offset;
      int end = vector.offset + vector.length;
      int id = 0;
      double sum = 0;
      while (pos < end) {
        id += readVInt();
        sum += readVInt() * weights[id];  // adding 0 for the terms the query lacks keeps it exact
      }
      return (float) sum;
    }

    private int readVInt() {
      int value = 0;
      for (int shift = 0; ; shift += 7) {
        byte b = bytes[pos++];
        value |= (b & 0x7F) << shift;
        if (b >= 0) {
          return value;
        }
      }
    }
  }
}
