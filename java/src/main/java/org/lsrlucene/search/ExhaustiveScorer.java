package org.lsrlucene.search;

import java.io.IOException;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.PostingsEnum;
import org.apache.lucene.index.Terms;
import org.apache.lucene.index.TermsEnum;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.BytesRef;

/**
 * Term-at-a-time scoring of every document a query touches: each term's postings are read once, straight into an
 * accumulator, with none of a document-at-a-time scorer's per-document merging. It wins when a query's postings
 * cover much of the index (long expanded queries, small collections), where skipping to the top k saves little.
 *
 * <p>Scores equal Lucene's: each term contributes {@code freq * weight} in float, the sum is taken in double and
 * rounded to float, as Lucene's disjunction scorers do. Matching documents are offered to a {@link TopHitsCollector};
 * deleted documents are skipped. One instance per thread: its buffers are sized for the largest segment.
 */
final class ExhaustiveScorer {
  private double[] sums = new double[0];
  private boolean[] seen = new boolean[0];
  private int[] touched = new int[0];
  private PostingsEnum postings;

  void score(Iterable<LeafReaderContext> leaves, String field, BytesRef[] terms, float[] weights,
             TopHitsCollector collector) throws IOException {
    for (LeafReaderContext leaf : leaves) {
      LeafReader reader = leaf.reader();
      Terms fieldTerms = reader.terms(field);
      if (fieldTerms == null) {
        continue;
      }
      grow(reader.maxDoc());
      TermsEnum termsEnum = fieldTerms.iterator();
      int count = 0;
      for (int t = 0; t < terms.length; t++) {
        if (!termsEnum.seekExact(terms[t])) {
          continue;
        }
        float weight = weights[t];
        postings = termsEnum.postings(postings, PostingsEnum.FREQS);
        for (int doc = postings.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = postings.nextDoc()) {
          if (!seen[doc]) {
            seen[doc] = true;
            touched[count++] = doc;
          }
          sums[doc] += postings.freq() * weight;
        }
      }
      Bits live = reader.getLiveDocs();
      for (int i = 0; i < count; i++) {
        int doc = touched[i];
        if (live == null || live.get(doc)) {
          collector.offer(leaf.docBase + doc, (float) sums[doc]);
        }
        sums[doc] = 0;
        seen[doc] = false;
      }
    }
  }

  private void grow(int maxDoc) {
    if (sums.length < maxDoc) {
      sums = new double[maxDoc];
      seen = new boolean[maxDoc];
      touched = new int[maxDoc];
    }
  }
}
