package org.lsrlucene.search;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.BoostQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.store.FSDirectory;
import org.lsrlucene.ImpactSimilarity;

/**
 * Batch search of an impact index with query vectors, in several threads, results returned in bulk.
 *
 * <p>A query is the {@code BooleanQuery} of {@code BoostQuery(TermQuery(contents:term), impact)} SHOULD clauses that
 * Anserini's {@code SimpleImpactSearcher} builds, scored with the impact similarity, so a document scores the dot
 * product of the query and document impacts. The ranking is Anserini's (score, then id ascending); the scores are
 * Lucene's exact scores, without Anserini's rounding to 1e-4 and its 1e-6 steps between tied documents.
 */
public final class BatchImpactSearcher implements Closeable {
  static final String ID = "id";
  static final String CONTENTS = "contents";

  private final DirectoryReader reader;
  private final IndexSearcher searcher;

  public BatchImpactSearcher(String indexDir) throws IOException {
    this.reader = DirectoryReader.open(FSDirectory.open(Paths.get(indexDir)));
    this.searcher = new IndexSearcher(reader);
    searcher.setSimilarity(new ImpactSimilarity());
    searcher.setQueryCache(null);
  }

  public int numDocs() {
    return reader.numDocs();
  }

  /**
   * Search every query of {@code queries}: one query per line, {@code term weight term weight ...} separated by
   * single spaces (terms hold no whitespace; an empty line is a query without hits).
   *
   * @param k hits per query
   * @param threads search threads (queries are spread over them)
   */
  public BatchResult search(String queries, int k, int threads) throws Exception {
    if (k < 1 || threads < 1) {
      throw new IllegalArgumentException("k and threads must be >= 1, got k=" + k + ", threads=" + threads);
    }
    String[] lines = queries.isEmpty() ? new String[0] : queries.split("\n", -1);
    int n = queries.endsWith("\n") ? lines.length - 1 : lines.length;
    Query[] parsed = new Query[n];
    for (int q = 0; q < n; q++) {
      parsed[q] = parse(lines[q], q);
    }
    TopHitsCollector.Hits[] results = new TopHitsCollector.Hits[n];
    AtomicInteger next = new AtomicInteger();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Runnable work = () -> {
      try {
        for (int q = next.getAndIncrement(); q < n && failure.get() == null; q = next.getAndIncrement()) {
          results[q] = search(parsed[q], k);
        }
      } catch (Throwable t) {
        failure.compareAndSet(null, t);
      }
    };
    List<Thread> workers = new ArrayList<>();
    for (int t = 1; t < Math.min(threads, n); t++) {
      Thread worker = new Thread(work, "lsr-lucene-search-" + t);
      worker.setDaemon(true);
      workers.add(worker);
      worker.start();
    }
    work.run();
    for (Thread worker : workers) {
      worker.join();
    }
    if (failure.get() != null) {
      Throwable t = failure.get();
      throw t instanceof Exception ? (Exception) t : new RuntimeException(t);
    }
    return new BatchResult(results);
  }

  private TopHitsCollector.Hits search(Query query, int k) throws IOException {
    if (query == null) {
      return new TopHitsCollector.Hits(0);
    }
    TopHitsCollector collector = new TopHitsCollector(k);
    searcher.search(query, collector);
    return collector.hits(reader.leaves());
  }

  private static Query parse(String line, int index) {
    if (line.isEmpty()) {
      return null;
    }
    String[] parts = line.split(" ");
    if (parts.length % 2 != 0) {
      throw new IllegalArgumentException("query " + index + ": expected 'term weight' pairs, got " + parts.length
          + " fields");
    }
    int clauses = parts.length / 2;
    synchronized (BatchImpactSearcher.class) {
      if (clauses > IndexSearcher.getMaxClauseCount()) {
        IndexSearcher.setMaxClauseCount(clauses);
      }
    }
    BooleanQuery.Builder builder = new BooleanQuery.Builder();
    for (int i = 0; i < parts.length; i += 2) {
      float weight;
      try {
        weight = Float.parseFloat(parts[i + 1]);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("query " + index + ": weight of term '" + parts[i] + "' is not a number: "
            + parts[i + 1]);
      }
      if (!(weight >= 0) || Float.isInfinite(weight)) {
        throw new IllegalArgumentException("query " + index + ": weight of term '" + parts[i] + "' must be >= 0, got "
            + parts[i + 1]);
      }
      builder.add(new BoostQuery(new TermQuery(new Term(CONTENTS, parts[i])), weight), BooleanClause.Occur.SHOULD);
    }
    return builder.build();
  }

  @Override
  public void close() throws IOException {
    reader.close();
  }
}
