package org.lsrlucene.search;

import java.util.Arrays;
import java.util.Comparator;
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

  /**
   * The query reduced to its heaviest terms: terms by weight, heaviest first (ties in input order), up to and
   * including the first term at which their weights sum to at least {@code mass} times the query's total weight.
   * {@code mass} 1 keeps the query as it is (the exact setting); the kept terms stay in input order.
   */
  VectorQuery keepMass(double mass) {
    if (mass >= 1 || terms.length == 0) {
      return this;
    }
    double total = 0;
    for (float w : weights) {
      total += w;
    }
    Integer[] order = new Integer[terms.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -weights[i]));  // stable: ties in input order
    boolean[] kept = new boolean[terms.length];
    int count = 0;
    double sum = 0;
    for (Integer i : order) {
      kept[i] = true;
      count++;
      sum += weights[i];
      if (sum >= mass * total) {
        break;
      }
    }
    BytesRef[] keptTerms = new BytesRef[count];
    float[] keptWeights = new float[count];
    for (int i = 0, j = 0; i < terms.length; i++) {
      if (kept[i]) {
        keptTerms[j] = terms[i];
        keptWeights[j++] = weights[i];
      }
    }
    return new VectorQuery(keptTerms, keptWeights);
  }

  /** The terms of this query that {@code kept} (a result of {@link #keepMass}) left out, in input order. */
  VectorQuery without(VectorQuery kept) {
    int left = terms.length - kept.terms.length;
    BytesRef[] leftTerms = new BytesRef[left];
    float[] leftWeights = new float[left];
    for (int i = 0, j = 0, n = 0; i < terms.length; i++) {
      if (j < kept.terms.length && kept.terms[j] == terms[i]) {
        j++;
      } else {
        leftTerms[n] = terms[i];
        leftWeights[n++] = weights[i];
      }
    }
    return new VectorQuery(leftTerms, leftWeights);
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
