package org.lsrlucene.search;

import java.io.IOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.lucene.index.BinaryDocValues;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.util.BytesRef;

/**
 * Each document's impact vector stored as binary doc values (a forward index: term ids of the index's vocabulary,
 * ascending, as variable-length deltas, each followed by its impact), which gives any document's exact score for a
 * query in one read of its vector instead of one skip through each query term's postings. Written by the plugin's
 * indexer with {@code setTermTopPostings}; the vocabulary lives in the index commit's user data.
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

  private ForwardVectors(Map<BytesRef, Integer> ids, int topPostings) {
    this.ids = ids;
    this.topPostings = topPostings;
  }

  /** The forward vectors of the index {@code reader} opened, or null when it has none. */
  static ForwardVectors of(DirectoryReader reader) throws IOException {
    Map<String, String> data = reader.getIndexCommit().getUserData();
    String vocabulary = data.get(VOCABULARY_KEY);
    if (vocabulary == null) {
      return null;
    }
    String[] terms = vocabulary.split("\n", -1);
    Map<BytesRef, Integer> ids = new HashMap<>(terms.length * 2);
    for (int i = 0; i < terms.length; i++) {
      ids.put(new BytesRef(terms[i]), i);
    }
    return new ForwardVectors(ids, Integer.parseInt(data.get(TOP_POSTINGS_KEY)));
  }

  int vocabularySize() {
    return ids.size();
  }

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

  /** Per-thread scoring state: the query's weights by term id. */
  final class Scorer {
    private final float[] weights = new float[ids.size()];
    private int[] set = new int[0];
    private int count;
    private byte[] bytes;
    private int pos;

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

    /** Replace each {@code scores[i]} by the exact score of index-wide document {@code docs[i]}. */
    void rescore(List<LeafReaderContext> leaves, int[] docs, float[] scores) throws IOException {
      Integer[] order = new Integer[docs.length];
      for (int i = 0; i < order.length; i++) {
        order[i] = i;
      }
      Arrays.sort(order, (a, b) -> Integer.compare(docs[a], docs[b]));
      int leafIndex = -1;
      BinaryDocValues values = null;
      int base = 0;
      for (Integer i : order) {
        int sub = ReaderUtil.subIndex(docs[i], leaves);
        if (sub != leafIndex) {
          leafIndex = sub;
          values = DocValues.getBinary(leaves.get(sub).reader(), VECTOR_FIELD);
          base = leaves.get(sub).docBase;
        }
        if (!values.advanceExact(docs[i] - base)) {
          throw new IllegalStateException("document " + docs[i] + " has no forward vector");
        }
        scores[i] = score(values.binaryValue());
      }
    }

    private float score(BytesRef vector) {
      bytes = vector.bytes;
      pos = vector.offset;
      int end = vector.offset + vector.length;
      int id = 0;
      double sum = 0;
      while (pos < end) {
        id += readVInt();
        int impact = readVInt();
        float weight = weights[id];
        if (weight != 0) {
          sum += impact * weight;
        }
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
