package org.lsrlucene;

import org.apache.lucene.index.FieldInvertState;
import org.apache.lucene.search.CollectionStatistics;
import org.apache.lucene.search.Explanation;
import org.apache.lucene.search.TermStatistics;
import org.apache.lucene.search.similarities.Similarity;

/**
 * Impact scoring: a term scores its frequency (the document's impact) times its boost (the query's impact), and a
 * document scores the sum over the query terms, an exact dot product for integer impacts.
 *
 * <p>Behaves like Anserini's {@code ImpactSimilarity} (which this jar cannot link against: Anserini is compiled for
 * Java 21): the norm is the constant 1 at index time and is ignored at search time.
 */
public final class ImpactSimilarity extends Similarity {
  @Override
  public long computeNorm(FieldInvertState state) {
    return 1;
  }

  @Override
  public SimScorer scorer(float boost, CollectionStatistics collectionStats, TermStatistics... termStats) {
    return new ImpactScorer(boost);
  }

  @Override
  public String toString() {
    return "Impact()";
  }

  private static final class ImpactScorer extends SimScorer {
    private final float boost;

    ImpactScorer(float boost) {
      this.boost = boost;
    }

    @Override
    public float score(float freq, long norm) {
      return freq * boost;
    }

    @Override
    public Explanation explain(Explanation freq, long norm) {
      return Explanation.match(freq.getValue().floatValue() * boost,
          "impact(freq=" + freq.getValue() + ") * query impact " + boost);
    }
  }
}
