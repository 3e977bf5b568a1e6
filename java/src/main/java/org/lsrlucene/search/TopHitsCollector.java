package org.lsrlucene.search;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.apache.lucene.index.BinaryDocValues;
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.search.Collector;
import org.apache.lucene.search.LeafCollector;
import org.apache.lucene.search.Scorable;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.util.BytesRef;

/**
 * The top {@code k} documents by score, ties broken by the {@code id} doc values in ascending byte order: the
 * ranking of Anserini's {@code searcher.search(query, k, new Sort(FIELD_SCORE, new SortField("id", STRING_VAL)))}.
 *
 * <p>Unlike a sorted collector it lets Lucene skip documents that cannot enter the top k (it asks for
 * {@code TOP_SCORES} and raises the minimum competitive score to the current k-th score, which keeps the documents
 * tied with it), and it reads the ids of the final hits only, from doc values rather than stored fields. Scores
 * computed elsewhere (see {@link ExhaustiveScorer}) come in through {@link #offer}.
 *
 * <p>A threshold factor above 1 makes the search approximate: Lucene is told that only scores of at least the k-th
 * score times the factor compete (WAND's over-estimated threshold; BMP's alpha is its inverse), so it skips documents
 * and blocks whose upper bound falls below that, some of which would have entered the top k. Documents it still
 * scores are ranked as usual. The factor 1 is the exact setting.
 */
final class TopHitsCollector implements Collector {
  private final int k;
  private final float thresholdFactor;
  private int[] docs;
  private float[] scores;
  private float[] scratch = new float[0];
  private int size;
  private float minScore = Float.NEGATIVE_INFINITY;

  /** @param thresholdFactor at least 1; the minimum competitive score Lucene gets is the k-th score times it */
  TopHitsCollector(int k, float thresholdFactor) {
    this.k = k;
    this.thresholdFactor = thresholdFactor;
    int capacity = Math.max(64, 2 * k);
    docs = new int[capacity];
    scores = new float[capacity];
  }

  @Override
  public ScoreMode scoreMode() {
    return ScoreMode.TOP_SCORES;
  }

  @Override
  public LeafCollector getLeafCollector(LeafReaderContext context) {
    final int base = context.docBase;
    return new LeafCollector() {
      private Scorable scorer;

      @Override
      public void setScorer(Scorable scorer) throws IOException {
        this.scorer = scorer;
        if (minScore > Float.NEGATIVE_INFINITY) {
          scorer.setMinCompetitiveScore(minScore * thresholdFactor);
        }
      }

      @Override
      public void collect(int doc) throws IOException {
        float before = minScore;
        offer(base + doc, scorer.score());
        if (minScore > before) {
          scorer.setMinCompetitiveScore(minScore * thresholdFactor);
        }
      }
    };
  }

  /** How many documents it keeps. */
  int k() {
    return k;
  }

  /** The score below which {@link #offer} drops a document now (it only rises). */
  float minScore() {
    return minScore;
  }

  /** Consider document {@code doc} (index-wide number) with {@code score}. */
  void offer(int doc, float score) {
    if (score < minScore) {
      return;
    }
    if (size == docs.length) {
      prune();
      if (score < minScore) {
        return;
      }
    }
    docs[size] = doc;
    scores[size] = score;
    size++;
  }

  /** Drop what scores below the k-th best score; grow when ties keep the buffer more than half full. */
  private void prune() {
    if (size > k) {
      float kth = kthScore();
      int kept = 0;
      for (int i = 0; i < size; i++) {
        if (scores[i] >= kth) {
          docs[kept] = docs[i];
          scores[kept] = scores[i];
          kept++;
        }
      }
      size = kept;
      minScore = Math.max(minScore, kth);
    }
    if (size > docs.length / 2) {
      docs = Arrays.copyOf(docs, docs.length * 2);
      scores = Arrays.copyOf(scores, scores.length * 2);
    }
  }

  /** The k-th largest of the buffered scores, by quickselect on a scratch copy (linear time, not a sort). */
  private float kthScore() {
    if (scratch.length < size) {
      scratch = new float[scores.length];
    }
    System.arraycopy(scores, 0, scratch, 0, size);
    return select(scratch, size, size - k);
  }

  /** The value at index {@code target} of {@code values[0..size)} in ascending order; reorders them (quickselect). */
  static float select(float[] values, int size, int target) {
    int lo = 0;
    int hi = size - 1;
    while (lo < hi) {
      float pivot = values[(lo + hi) >>> 1];
      int i = lo;
      int j = hi;
      while (i <= j) {
        while (values[i] < pivot) {
          i++;
        }
        while (values[j] > pivot) {
          j--;
        }
        if (i <= j) {
          float swap = values[i];
          values[i++] = values[j];
          values[j--] = swap;
        }
      }
      if (target <= j) {
        hi = j;
      } else if (target >= i) {
        lo = i;
      } else {
        break;
      }
    }
    return values[target];
  }

  /**
   * The k best collected documents, in no order; of the documents tied at the k-th score, the first collected
   * (candidates for rescoring need no tie order, and partial scores tie often).
   */
  Hits candidates() {
    int n = Math.min(k, size);
    Hits hits = new Hits(n);
    float kth = size > k ? kthScore() : Float.NEGATIVE_INFINITY;
    int above = 0;
    for (int i = 0; i < size; i++) {
      above += scores[i] > kth ? 1 : 0;
    }
    int ties = n - above;
    for (int i = 0, j = 0; i < size && j < n; i++) {
      if (scores[i] > kth || (scores[i] == kth && ties-- > 0)) {
        hits.docs[j] = docs[i];
        hits.scores[j++] = scores[i];
      }
    }
    return hits;
  }

  /** The final hits, best first: Lucene doc ids and scores, of the same length. */
  Hits hits(List<LeafReaderContext> leaves) throws IOException {
    if (size > k) {
      prune();
    }
    Integer[] order = new Integer[size];
    for (int i = 0; i < size; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Integer.compare(docs[a], docs[b]));
    BytesRef[] ids = new BytesRef[size];
    int leafIndex = -1;
    BinaryDocValues values = null;
    int base = 0;
    for (Integer i : order) {
      int doc = docs[i];
      int sub = ReaderUtil.subIndex(doc, leaves);
      if (sub != leafIndex) {
        leafIndex = sub;
        LeafReaderContext leaf = leaves.get(sub);
        values = DocValues.getBinary(leaf.reader(), BatchImpactSearcher.ID);
        base = leaf.docBase;
      }
      if (!values.advanceExact(doc - base)) {
        throw new IllegalStateException("document " + doc + " has no '" + BatchImpactSearcher.ID
            + "' doc values: not an index with Anserini's conventions");
      }
      ids[i] = BytesRef.deepCopyOf(values.binaryValue());
    }
    Arrays.sort(order, (a, b) -> {
      int byScore = Float.compare(scores[b], scores[a]);
      return byScore != 0 ? byScore : ids[a].compareTo(ids[b]);
    });
    int n = Math.min(k, size);
    Hits hits = new Hits(n);
    for (int r = 0; r < n; r++) {
      int i = order[r];
      hits.docs[r] = docs[i];
      hits.scores[r] = scores[i];
    }
    return hits;
  }

  static final class Hits {
    final int[] docs;
    final float[] scores;

    Hits(int n) {
      docs = new int[n];
      scores = new float[n];
    }
  }
}
