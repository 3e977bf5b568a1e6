package org.lsrlucene.search;

import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.BoostQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.util.BytesRef;

/** A query vector: terms and their weights (query impacts), parsed from one line {@code term weight ...}. */
final class VectorQuery {
  final BytesRef[] terms;
  final float[] weights;

  private VectorQuery(BytesRef[] terms, float[] weights) {
    this.terms = terms;
    this.weights = weights;
  }

  int size() {
    return terms.length;
  }

  /** Parse query number {@code index} of a batch: {@code term weight} pairs separated by single spaces. */
  static VectorQuery parse(String line, int index) {
    if (line.isEmpty()) {
      return new VectorQuery(new BytesRef[0], new float[0]);
    }
    String[] parts = line.split(" ");
    if (parts.length % 2 != 0) {
      throw new IllegalArgumentException("query " + index + ": expected 'term weight' pairs, got " + parts.length
          + " fields");
    }
    BytesRef[] terms = new BytesRef[parts.length / 2];
    float[] weights = new float[parts.length / 2];
    for (int i = 0; i < terms.length; i++) {
      String term = parts[2 * i];
      String text = parts[2 * i + 1];
      float weight;
      try {
        weight = Float.parseFloat(text);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("query " + index + ": weight of term '" + term + "' is not a number: "
            + text);
      }
      if (!(weight >= 0) || Float.isInfinite(weight)) {
        throw new IllegalArgumentException("query " + index + ": weight of term '" + term + "' must be >= 0, got "
            + text);
      }
      terms[i] = new BytesRef(term);
      weights[i] = weight;
    }
    return new VectorQuery(terms, weights);
  }

  /**
   * The query Anserini's {@code SimpleImpactSearcher} builds: a {@code BooleanQuery} of
   * {@code BoostQuery(TermQuery(field:term), weight)} SHOULD clauses. Raises Lucene's clause limit (1024 by default)
   * when the vector has more terms.
   */
  Query booleanQuery(String field) {
    synchronized (VectorQuery.class) {
      if (terms.length > IndexSearcher.getMaxClauseCount()) {
        IndexSearcher.setMaxClauseCount(terms.length);
      }
    }
    BooleanQuery.Builder builder = new BooleanQuery.Builder();
    for (int i = 0; i < terms.length; i++) {
      builder.add(new BoostQuery(new TermQuery(new Term(field, terms[i])), weights[i]), BooleanClause.Occur.SHOULD);
    }
    return builder.build();
  }
}
