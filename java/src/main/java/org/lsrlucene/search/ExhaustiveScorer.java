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
 * deleted documents are skipped. Terms whose postings {@link DecodedPostings} holds are read from its arrays. One
 * instance per thread: its buffers are sized for the largest segment.
 */
final class ExhaustiveScorer {
  private final DecodedPostings decoded;
  private double[] sums = new double[0];
  private boolean[] seen = new boolean[0];
  private int[] touched = new int[0];
  private PostingsEnum postings;

  ExhaustiveScorer(DecodedPostings decoded) {
    this.decoded = decoded;
  }

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
      boolean scan = scanAll(termsEnum, terms, weights, reader.maxDoc());
      int count = 0;
      for (int t = 0; t < terms.length; t++) {
        if (!termsEnum.seekExact(terms[t])) {
          continue;
        }
        DecodedPostings.Postings list = decoded.get(leaf.ord, field, terms[t], termsEnum);
        count = list == null ? add(termsEnum, weights[t], count, scan) : add(list, weights[t], count, scan);
      }
      Bits live = reader.getLiveDocs();
      if (scan) {
        for (int doc = 0; doc < reader.maxDoc(); doc++) {
          if (sums[doc] > 0) {
            offer(collector, live, leaf.docBase, doc);
          }
        }
      } else {
        for (int i = 0; i < count; i++) {
          offer(collector, live, leaf.docBase, touched[i]);
          seen[touched[i]] = false;
        }
      }
    }
  }

  /**
   * Whether to find the matching documents by a scan of every document's sum rather than by tracking the documents
   * each posting touches: when the query's postings number at least {@value BatchImpactSearcher#DENSE_FRACTION}
   * times the segment's documents, and every weight is positive (so that a document matches if and only if its sum
   * is positive; impacts are at least 1).
   */
  private static boolean scanAll(TermsEnum termsEnum, BytesRef[] terms, float[] weights, int maxDoc)
      throws IOException {
    long postings = 0;
    for (int t = 0; t < terms.length; t++) {
      if (termsEnum.seekExact(terms[t])) {
        if (!(weights[t] > 0)) {
          return false;
        }
        postings += termsEnum.docFreq();
      }
    }
    return postings >= BatchImpactSearcher.DENSE_FRACTION * maxDoc;
  }

  private void offer(TopHitsCollector collector, Bits live, int docBase, int doc) {
    if (live == null || live.get(doc)) {
      collector.offer(docBase + doc, (float) sums[doc]);
    }
    sums[doc] = 0;
  }

  /** Add a term's contributions from its postings enum; returns the new count of touched documents. */
  private int add(TermsEnum termsEnum, float weight, int count, boolean scan) throws IOException {
    postings = termsEnum.postings(postings, PostingsEnum.FREQS);
    for (int doc = postings.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = postings.nextDoc()) {
      count = scan ? count : touch(doc, count);
      sums[doc] += postings.freq() * weight;
    }
    return count;
  }

  /** The same from decoded postings (the same float products, summed in the same order). */
  private int add(DecodedPostings.Postings list, float weight, int count, boolean scan) {
    int[] docs = list.docs;
    if (list.wide != null) {
      for (int i = 0; i < docs.length; i++) {
        count = scan ? count : touch(docs[i], count);
        sums[docs[i]] += list.wide[i] * weight;
      }
      return count;
    }
    byte[] impacts = list.impacts;
    if (scan) {
      for (int i = 0; i < docs.length; i++) {
        sums[docs[i]] += (impacts[i] & 0xFF) * weight;
      }
      return count;
    }
    for (int i = 0; i < docs.length; i++) {
      count = touch(docs[i], count);
      sums[docs[i]] += (impacts[i] & 0xFF) * weight;
    }
    return count;
  }

  private int touch(int doc, int count) {
    if (!seen[doc]) {
      seen[doc] = true;
      touched[count++] = doc;
    }
    return count;
  }

  private void grow(int maxDoc) {
    if (sums.length < maxDoc) {
      sums = new double[maxDoc];
      seen = new boolean[maxDoc];
      touched = new int[maxDoc];
    }
  }
}
