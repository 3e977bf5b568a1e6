package org.lsrlucene.search;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
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
 * deleted documents are skipped. Terms whose postings {@link DecodedPostings} holds are read from its arrays.
 *
 * <p>{@link #scoreTop} is the approximate variant: it sums only the postings of largest contribution, read in order of
 * impact, a range of documents at a time. Once the collector has a bound, the documents whose sums reach it are noted
 * as they do, so that nothing else of the range is read again. One instance per thread: its buffers are sized for the
 * largest segment.
 */
final class ExhaustiveScorer {
  /** Documents whose partial sums {@link #scoreTop} adds up at a time (256 KB of floats: within a core's cache). */
  private static final int RANGE = 1 << DecodedPostings.ByImpact.RANGE_BITS;
  /** Documents per block of {@link #scoreTop}'s block maxima: {@code 1 << BLOCK}. */
  private static final int BLOCK = 5;
  /** Low bits of a float that {@link #threshold} first counts its contributions without (3 mantissa bits kept). */
  private static final int COARSE = 20;

  private final DecodedPostings decoded;
  private double[] sums = new double[0];
  private boolean[] seen = new boolean[0];
  private int[] touched = new int[0];
  private final float[] partial = new float[RANGE];
  private final float[] blockMax = new float[RANGE >>> BLOCK];
  private final float[] selected = new float[RANGE >>> BLOCK];
  private final int[] crossed = new int[RANGE];
  private final long[] levelCounts = new long[1 << (31 - COARSE)];
  /** A lower bound on the collector's final k-th score, from the block maxima: no document below it is offered. */
  private float floor;
  private DecodedPostings.ByImpact[] segmentList = new DecodedPostings.ByImpact[64];
  private int[] segmentRun = new int[64];
  private int[] segmentRunEnd = new int[64];
  private float[] segmentContribution = new float[64];
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
   * Approximate scoring: of the query's postings, only the fraction {@code fraction} with the largest contributions
   * (impact times weight, every posting at or above the contribution where that fraction is reached) are summed, each
   * term's read from the head of its postings in order of impact ({@link DecodedPostings.ByImpact}). A document's sum
   * is the part of its score that those postings carry; documents that none of them reach are not offered.
   */
  void scoreTop(List<LeafReaderContext> leaves, String field, BytesRef[] terms, float[] weights, double fraction,
                TopHitsCollector collector) throws IOException {
    DecodedPostings.ByImpact[][] lists = new DecodedPostings.ByImpact[leaves.size()][terms.length];
    long total = 0;
    for (LeafReaderContext leaf : leaves) {
      Terms fieldTerms = leaf.reader().terms(field);
      if (fieldTerms == null) {
        continue;
      }
      TermsEnum termsEnum = fieldTerms.iterator();
      for (int t = 0; t < terms.length; t++) {
        DecodedPostings.ByImpact list = decoded.byImpact(leaf.ord, field, terms[t], termsEnum);
        if (list != null) {
          lists[leaf.ord][t] = list;
          total += list.offsets.length;
        }
      }
    }
    float threshold = threshold(lists, weights, (long) Math.ceil(fraction * total));
    floor = 0;
    for (LeafReaderContext leaf : leaves) {
      int maxDoc = leaf.reader().maxDoc();
      int segments = 0;
      for (int t = 0; t < terms.length; t++) {
        DecodedPostings.ByImpact list = lists[leaf.ord][t];
        for (int j = 0; list != null && j < list.levels.length; j++) {
          float contribution = list.levels[j] * weights[t];
          if (contribution < threshold) {
            break;
          }
          if (contribution > 0) {
            segments = segment(segments, list, j, contribution);
          }
        }
      }
      Bits live = leaf.reader().getLiveDocs();
      for (int range = 0; (long) range << DecodedPostings.ByImpact.RANGE_BITS < maxDoc; range++) {  // in cache
        int from = range << DecodedPostings.ByImpact.RANGE_BITS;
        float bound = Math.max(floor, collector.minScore());
        if (bound > 0) {
          offerCrossed(collector, live, leaf.docBase, from, addAbove(segments, range, bound));
        } else {
          addRange(segments, range);
          offerRange(collector, live, leaf.docBase, from, Math.min(maxDoc, from + RANGE));
        }
      }
      Arrays.fill(segmentList, 0, segments, null);
    }
  }

  /** Add to the partial sums of the documents of range {@code range} the postings of every segment there. */
  private void addRange(int segments, int range) {
    for (int g = 0; g < segments; g++) {
      int x = run(g, range);
      if (x < 0) {
        continue;
      }
      char[] offsets = segmentList[g].offsets;
      float contribution = segmentContribution[g];
      for (int i = segmentList[g].runFrom[x], end = segmentList[g].runFrom[x + 1]; i < end; i++) {
        int doc = offsets[i];
        float sum = partial[doc] += contribution;
        blockMax[doc >>> BLOCK] = Math.max(blockMax[doc >>> BLOCK], sum);
      }
    }
  }

  /**
   * Add to the partial sums of the documents of range {@code range} the postings of every segment there, noting in
   * {@link #crossed} each document (its offset in the range) whose sum reaches {@code bound}; returns how many.
   */
  private int addAbove(int segments, int range, float bound) {
    int n = 0;
    for (int g = 0; g < segments; g++) {
      int x = run(g, range);
      if (x < 0) {
        continue;
      }
      char[] offsets = segmentList[g].offsets;
      float contribution = segmentContribution[g];
      for (int i = segmentList[g].runFrom[x], end = segmentList[g].runFrom[x + 1]; i < end; i++) {
        int doc = offsets[i];
        float before = partial[doc];
        float sum = before + contribution;
        partial[doc] = sum;
        if (sum >= bound && before < bound) {
          crossed[n++] = doc;
        }
      }
    }
    return n;
  }

  /** Segment {@code g}'s run in range {@code range}, its cursor moved past it; -1 when it has none there. */
  private int run(int g, int range) {
    int x = segmentRun[g];
    if (x == segmentRunEnd[g] || segmentList[g].runRanges[x] != range) {
      return -1;
    }
    segmentRun[g] = x + 1;
    return x;
  }

  /** Offer the first {@code n} documents of {@link #crossed} (of the range from {@code from}); clear the sums. */
  private void offerCrossed(TopHitsCollector collector, Bits live, int docBase, int from, int n) {
    for (int c = 0; c < n; c++) {
      int i = crossed[c];
      if (partial[i] >= Math.max(floor, collector.minScore()) && (live == null || live.get(from + i))) {
        collector.offer(docBase + from + i, partial[i]);
      }
    }
    Arrays.fill(partial, 0);
  }

  /**
   * Offer the documents {@code from..to} (exclusive) whose partial sums are above 0, skipping the blocks whose largest
   * sum falls below what the collector takes, and clear their sums. Until the collector has a minimum score, the k-th
   * largest block maximum of a segment without deletions bounds it from below: each block maximum is a document's sum,
   * so k documents reach it.
   */
  private void offerRange(TopHitsCollector collector, Bits live, int docBase, int from, int to) {
    int blocks = (to - from + (1 << BLOCK) - 1) >>> BLOCK;
    if (live == null && collector.minScore() == Float.NEGATIVE_INFINITY) {
      floor = Math.max(floor, largest(blockMax, blocks, collector.k()));
    }
    float bound = Math.max(Float.MIN_VALUE, Math.max(floor, collector.minScore()));  // sums above 0 only
    for (int block = 0; block < blocks; block++) {
      if (blockMax[block] >= bound) {
        for (int i = block << BLOCK, end = Math.min(to - from, i + (1 << BLOCK)); i < end; i++) {
          if (partial[i] >= bound && (live == null || live.get(from + i))) {
            collector.offer(docBase + from + i, partial[i]);
            bound = Math.max(Float.MIN_VALUE, Math.max(floor, collector.minScore()));
          }
        }
      }
    }
    Arrays.fill(partial, 0);
    Arrays.fill(blockMax, 0);
  }

  /** The {@code n}-th largest of {@code values[0..count)}, by quickselect on a copy; 0 when fewer are above 0. */
  private float largest(float[] values, int count, int n) {
    int m = 0;
    for (int i = 0; i < count; i++) {
      if (values[i] > 0) {
        selected[m++] = values[i];
      }
    }
    return m < n ? 0 : TopHitsCollector.select(selected, m, m - n);
  }

  /** Add level {@code j} of {@code list}, each posting contributing {@code contribution}, as segment {@code g}. */
  private int segment(int g, DecodedPostings.ByImpact list, int j, float contribution) {
    if (g == segmentList.length) {
      segmentList = Arrays.copyOf(segmentList, 2 * g);
      segmentRun = Arrays.copyOf(segmentRun, 2 * g);
      segmentRunEnd = Arrays.copyOf(segmentRunEnd, 2 * g);
      segmentContribution = Arrays.copyOf(segmentContribution, 2 * g);
    }
    segmentList[g] = list;
    segmentRun[g] = list.runStarts[j];
    segmentRunEnd[g] = list.runStarts[j + 1];
    segmentContribution[g] = contribution;
    return g + 1;
  }

  /**
   * The largest contribution at or above which {@code wanted} postings of {@code lists} contribute (0 when all the
   * positive ones fall short): the postings of each contribution are counted by its float's exponent and 3 high
   * mantissa bits (the order of non-negative floats is that of their bits), and only the level where the count
   * reaches {@code wanted} is sorted.
   */
  private float threshold(DecodedPostings.ByImpact[][] lists, float[] weights, long wanted) {
    Arrays.fill(levelCounts, 0);
    for (DecodedPostings.ByImpact[] leaf : lists) {
      for (int t = 0; t < weights.length; t++) {
        DecodedPostings.ByImpact list = leaf[t];
        for (int j = 0; list != null && j < list.levels.length; j++) {
          float contribution = list.levels[j] * weights[t];
          if (contribution > 0) {
            levelCounts[Float.floatToIntBits(contribution) >>> COARSE] += list.size(j);
          }
        }
      }
    }
    long sum = 0;
    int coarse = levelCounts.length - 1;
    for (; coarse >= 0 && sum + levelCounts[coarse] < wanted; coarse--) {
      sum += levelCounts[coarse];
    }
    if (coarse < 0) {
      return 0;
    }
    long[] within = new long[64];  // contribution's float bits, postings
    int n = 0;
    for (DecodedPostings.ByImpact[] leaf : lists) {
      for (int t = 0; t < weights.length; t++) {
        DecodedPostings.ByImpact list = leaf[t];
        for (int j = 0; list != null && j < list.levels.length; j++) {
          int bits = Float.floatToIntBits(list.levels[j] * weights[t]);
          if (bits > 0 && bits >>> COARSE == coarse) {
            within = n == within.length ? Arrays.copyOf(within, 2 * n) : within;
            within[n++] = ((long) bits << 32) | list.size(j);
          }
        }
      }
    }
    Arrays.sort(within, 0, n);
    for (int i = n - 1; ; i--) {
      sum += (int) within[i];
      if (sum >= wanted) {
        return Float.intBitsToFloat((int) (within[i] >>> 32));
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
