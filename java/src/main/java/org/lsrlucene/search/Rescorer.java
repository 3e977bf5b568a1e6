package org.lsrlucene.search;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.PostingsEnum;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.Terms;
import org.apache.lucene.index.TermsEnum;
import org.apache.lucene.util.BytesRef;

/**
 * Completes the scores of candidates found with a pruned query: the contributions of the terms it left out are added,
 * read by advancing each left-out term's postings to the candidates in document order (Lucene's skip data makes this
 * cost a few blocks per candidate, not the whole posting list), or found by binary search in the term's
 * {@link DecodedPostings}. The candidates then carry their exact dot products with the whole query. One instance per
 * thread.
 */
final class Rescorer {
  private final DecodedPostings decoded;
  private PostingsEnum postings;

  Rescorer(DecodedPostings decoded) {
    this.decoded = decoded;
  }

  /** Add to {@code scores[i]} the score of index-wide document {@code docs[i]} for the terms of {@code left}. */
  void add(List<LeafReaderContext> leaves, String field, VectorQuery left, int[] docs, float[] scores)
      throws IOException {
    Integer[] order = new Integer[docs.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Integer.compare(docs[a], docs[b]));
    int start = 0;
    while (start < order.length) {
      LeafReaderContext leaf = leaves.get(ReaderUtil.subIndex(docs[order[start]], leaves));
      int end = start;
      while (end < order.length && docs[order[end]] < leaf.docBase + leaf.reader().maxDoc()) {
        end++;
      }
      Terms terms = leaf.reader().terms(field);
      if (terms != null) {
        TermsEnum termsEnum = terms.iterator();
        for (int t = 0; t < left.size(); t++) {
          addTerm(termsEnum, leaf.ord, field, left.terms[t], left.weights[t], leaf.docBase, order, start, end, docs,
                  scores);
        }
      }
      start = end;
    }
  }

  private void addTerm(TermsEnum termsEnum, int leafOrd, String field, BytesRef term, float weight, int docBase,
                       Integer[] order, int start, int end, int[] docs, float[] scores) throws IOException {
    if (!termsEnum.seekExact(term)) {
      return;
    }
    DecodedPostings.Postings list = decoded.get(leafOrd, field, term, termsEnum);
    if (list != null) {
      int from = 0;
      for (int i = start; i < end && from < list.docs.length; i++) {
        int at = Arrays.binarySearch(list.docs, from, list.docs.length, docs[order[i]] - docBase);
        if (at >= 0) {
          scores[order[i]] += list.impact(at) * weight;
        }
        from = at >= 0 ? at + 1 : -at - 1;
      }
      return;
    }
    postings = termsEnum.postings(postings, PostingsEnum.FREQS);
    int current = -1;
    for (int i = start; i < end; i++) {
      int target = docs[order[i]] - docBase;
      if (current < target) {
        current = postings.advance(target);
      }
      if (current == target) {
        scores[order[i]] += postings.freq() * weight;
      }
    }
  }
}
