package org.lsrlucene.index;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.lucene.document.BinaryDocValuesField;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.util.BytesRef;
import org.lsrlucene.search.ForwardVectors;

/**
 * What an index built for approximate search holds beside its exact postings, planned by one reading of the input:
 * a vocabulary (term ids in first-seen order), and per term the lowest impact among its {@code n} highest, so that
 * a second field, {@value ForwardVectors#TOP_FIELD}, keeps each term's top postings only (static term-centric
 * pruning; ties at the threshold are kept, so a list may hold more than {@code n}). Each document also stores its
 * whole vector as term ids and impacts in the binary doc values {@value ForwardVectors#VECTOR_FIELD} (a forward
 * index), from which candidates get their exact scores. The vocabulary and {@code n} go into the commit's user data.
 */
final class TopPostingsPlan {
  private static final int MAX_BIN = 1 << 16;

  final int n;
  final Map<String, Integer> ids = new HashMap<>();
  private final List<String> terms = new ArrayList<>();
  private int[] thresholds;

  private TopPostingsPlan(int n) {
    this.n = n;
  }

  /** Read every record of {@code files} once: vocabulary, and the impact histogram of each term. */
  static TopPostingsPlan read(List<Path> files, int n) throws Exception {
    TopPostingsPlan plan = new TopPostingsPlan(n);
    List<int[]> histograms = new ArrayList<>();
    VectorRecordParser parser = new VectorRecordParser();
    try (LineBlockReader reader = new LineBlockReader(files, 1 << 19)) {
      LineBlockReader.Block block;
      while ((block = reader.next()) != null) {
        ParsedBlock parsed = ParsedBlock.parse(block, parser);
        for (int d = 0; d < parsed.size; d++) {
          for (int i = 0; i < parsed.terms[d].length; i++) {
            Integer id = plan.ids.get(parsed.terms[d][i]);
            if (id == null) {
              id = plan.terms.size();
              plan.ids.put(parsed.terms[d][i], id);
              plan.terms.add(parsed.terms[d][i]);
              histograms.add(new int[16]);
            }
            int bin = Math.min(parsed.impacts[d][i], MAX_BIN - 1);
            int[] histogram = histograms.get(id);
            if (bin >= histogram.length) {
              histogram = Arrays.copyOf(histogram, Math.min(MAX_BIN, Math.max(bin + 1, 2 * histogram.length)));
              histograms.set(id, histogram);
            }
            histogram[bin]++;
          }
        }
        if (parsed.error != null) {
          throw parsed.error;
        }
      }
    }
    plan.thresholds = new int[plan.terms.size()];
    for (int t = 0; t < plan.thresholds.length; t++) {
      plan.thresholds[t] = threshold(histograms.get(t), n);
    }
    return plan;
  }

  /** The lowest impact kept: the smallest v with at most n postings at v or above, else the largest impact. */
  static int threshold(int[] histogram, int n) {
    long above = 0;
    for (int v = histogram.length - 1; v > 0; v--) {
      if (histogram[v] == 0) {
        continue;
      }
      if (above + histogram[v] > n) {
        return above == 0 ? v : v + 1;
      }
      above += histogram[v];
    }
    return 1;
  }

  /** Add the top-postings field and the forward vector of one document to {@code doc}. */
  void addFields(Document doc, String[] terms, int[] impacts, int size) {
    int[] termIds = new int[size];
    String[] topTerms = new String[size];
    int[] topImpacts = new int[size];
    int top = 0;
    for (int i = 0; i < size; i++) {
      int id = ids.get(terms[i]);
      termIds[i] = id;
      if (impacts[i] >= thresholds[id]) {
        topTerms[top] = terms[i];
        topImpacts[top++] = impacts[i];
      }
    }
    if (top > 0) {
      ImpactTokenStream stream = new ImpactTokenStream();
      stream.setVector(topTerms, topImpacts, top);
      doc.add(new Field(ForwardVectors.TOP_FIELD, stream, ImpactDocument.CONTENTS_TYPE));
    }
    doc.add(new BinaryDocValuesField(ForwardVectors.VECTOR_FIELD, new BytesRef(
        ForwardVectors.encode(termIds, impacts, size))));
  }

  /** The commit user data that lets a searcher read the forward vectors. */
  Map<String, String> userData() {
    Map<String, String> data = new HashMap<>();
    data.put(ForwardVectors.VOCABULARY_KEY, String.join("\n", terms));
    data.put(ForwardVectors.TOP_POSTINGS_KEY, Integer.toString(n));
    return data;
  }
}
