package org.lsrlucene.search;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.lucene.index.BinaryDocValues;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.BytesRef;
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

  /** Above this many postings per document in the index, {@code auto} scores a query term at a time. */
  static final double DENSE_FRACTION = 0.5;

  private final DirectoryReader reader;
  private final IndexSearcher searcher;
  private final ForwardVectors forward;
  private volatile DecodedPostings decoded = new DecodedPostings(Long.MAX_VALUE);
  private volatile String strategy = "auto";
  private volatile double queryMass = 1;
  private volatile float thresholdFactor = 1;
  private volatile double postingsFraction = 1;
  private volatile int candidates;
  private volatile boolean topPostings;

  public BatchImpactSearcher(String indexDir) throws IOException {
    this.reader = DirectoryReader.open(FSDirectory.open(Paths.get(indexDir)));
    this.searcher = new IndexSearcher(reader);
    searcher.setSimilarity(new ImpactSimilarity());
    searcher.setQueryCache(null);
    this.forward = ForwardVectors.of(reader);
  }

  /** How many postings per term the index's {@value ForwardVectors#TOP_FIELD} field keeps; 0 without it. */
  public int termTopPostings() {
    return forward.topPostings();
  }

  public int numDocs() {
    return reader.numDocs();
  }

  /**
   * The collection id of every Lucene doc id, in doc id order, each followed by a newline: the table that maps the
   * doc ids of {@link BatchResult#docs} to collection ids, read once per searcher.
   */
  public String ids() throws IOException {
    StringBuilder ids = new StringBuilder(reader.maxDoc() * 8);
    for (LeafReaderContext leaf : reader.leaves()) {
      BinaryDocValues values = DocValues.getBinary(leaf.reader(), ID);
      for (int doc = 0; doc < leaf.reader().maxDoc(); doc++) {
        if (!values.advanceExact(doc)) {
          throw new IllegalStateException("document " + (leaf.docBase + doc) + " has no '" + ID
              + "' doc values: not an index with Anserini's conventions");
        }
        String id = values.binaryValue().utf8ToString();
        if (id.indexOf('\n') >= 0) {
          throw new IllegalStateException("document id " + id.replace("\n", "\\n") + " holds a newline");
        }
        ids.append(id).append('\n');
      }
    }
    return ids.toString();
  }

  /**
   * How many bytes of heap the postings that term-at-a-time scoring decodes may take ({@link DecodedPostings}; by
   * default as many as fit in half the JVM's maximum heap, with those of other open searchers; 0 reads every term
   * from the index). Drops what was decoded.
   */
  public void setPostingsCache(long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("postings cache must be >= 0 bytes, got " + bytes);
    }
    DecodedPostings old = decoded;
    decoded = new DecodedPostings(bytes);
    old.release();
  }

  /** Bytes of heap the decoded postings take now. */
  public long postingsCacheBytes() {
    return decoded.usedBytes();
  }

  /**
   * How queries are evaluated; all give the same hits and scores. {@code pruned}: Lucene's document-at-a-time
   * disjunction, which skips documents that cannot reach the top k; {@code exhaustive}: term at a time over every
   * posting ({@link ExhaustiveScorer}); {@code auto} (the default): exhaustive when the query's postings number at
   * least {@value #DENSE_FRACTION} times the documents of the index, where skipping saves little.
   */
  public void setStrategy(String strategy) {
    if (!"auto".equals(strategy) && !"pruned".equals(strategy) && !"exhaustive".equals(strategy)) {
      throw new IllegalArgumentException("unknown strategy '" + strategy + "'; known: auto, exhaustive, pruned");
    }
    this.strategy = strategy;
  }

  /**
   * Approximate search (query mass, postings fraction and threshold factor at 1, no top postings: exact, the
   * default). {@code queryMass} in (0, 1]: each query is first searched with its heaviest terms that carry this
   * fraction of its total weight ({@link VectorQuery#keepMass}); {@code postingsFraction} in (0, 1]: that search sums
   * only this fraction of the kept terms' postings, those of largest contribution ({@link ExhaustiveScorer#scoreTop});
   * {@code thresholdFactor} >= 1: that search skips what cannot beat the k-th score times this factor (see {@link
   * TopHitsCollector}; only the {@code pruned} strategy skips, so under {@code auto} a factor above 1 picks it);
   * {@code topPostings}: that search reads only each term's top postings (the {@value ForwardVectors#TOP_FIELD}
   * field of an index built with them), term at a time; {@code candidates} >= 0: when terms or postings were left
   * out, the best {@code candidates} documents (k when that is more) get their exact scores from their forward vectors
   * ({@link ForwardVectors}), else (when those fit neither the heap nor the index) from the postings ({@link
   * Rescorer}), and are ranked again.
   */
  public void setApproximation(double queryMass, double postingsFraction, double thresholdFactor, int candidates,
                               boolean topPostings) {
    if (!(queryMass > 0 && queryMass <= 1)) {
      throw new IllegalArgumentException("query mass must be in (0, 1], got " + queryMass);
    }
    if (!(postingsFraction > 0 && postingsFraction <= 1)) {
      throw new IllegalArgumentException("postings fraction must be in (0, 1], got " + postingsFraction);
    }
    if (!(thresholdFactor >= 1) || Double.isInfinite(thresholdFactor)) {
      throw new IllegalArgumentException("threshold factor must be a finite number >= 1, got " + thresholdFactor);
    }
    if (candidates < 0) {
      throw new IllegalArgumentException("candidates must be >= 0 (0: no rescoring), got " + candidates);
    }
    if (topPostings && forward.topPostings() == 0) {
      throw new IllegalArgumentException("this index has no top postings: build it with --term-top-postings N");
    }
    this.queryMass = queryMass;
    this.postingsFraction = postingsFraction;
    this.thresholdFactor = (float) thresholdFactor;
    this.candidates = candidates;
    this.topPostings = topPostings;
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
    VectorQuery[] parsed = new VectorQuery[n];
    for (int q = 0; q < n; q++) {
      parsed[q] = VectorQuery.parse(lines[q], q);
    }
    TopHitsCollector.Hits[] results = new TopHitsCollector.Hits[n];
    long[] nanos = new long[n];
    AtomicInteger next = new AtomicInteger();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Runnable work = () -> {
      ExhaustiveScorer exhaustive = new ExhaustiveScorer(decoded);
      Rescorer rescorer = new Rescorer(decoded);
      ForwardVectors.Scorer exact = forward.new Scorer(decoded);
      try {
        for (int q = next.getAndIncrement(); q < n && failure.get() == null; q = next.getAndIncrement()) {
          long started = System.nanoTime();
          results[q] = search(parsed[q], k, exhaustive, rescorer, exact);
          nanos[q] = System.nanoTime() - started;
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
    return new BatchResult(results, nanos);
  }

  private TopHitsCollector.Hits search(VectorQuery query, int k, ExhaustiveScorer exhaustive, Rescorer rescorer,
                                       ForwardVectors.Scorer exact) throws IOException {
    VectorQuery kept = query.keepMass(queryMass);
    if (kept.size() == 0) {
      return new TopHitsCollector.Hits(0);
    }
    boolean top = topPostings;
    double fraction = postingsFraction;
    int rescored = candidates == 0 ? 0 : Math.max(candidates, k);
    boolean rescore = rescored > 0 && (top || fraction < 1 || kept.size() < query.size());
    TopHitsCollector collector = new TopHitsCollector(rescore ? rescored : k, thresholdFactor);
    String field = top ? ForwardVectors.TOP_FIELD : CONTENTS;
    if (fraction < 1) {
      exhaustive.scoreTop(reader.leaves(), field, kept.terms, kept.weights, fraction, collector);
    } else if (top) {
      exhaustive.score(reader.leaves(), field, kept.terms, kept.weights, collector);
    } else if (exhaustive(kept)) {
      exhaustive.score(reader.leaves(), CONTENTS, kept.terms, kept.weights, collector);
    } else {
      searcher.search(kept.booleanQuery(CONTENTS), collector);
    }
    if (!rescore) {
      return collector.hits(reader.leaves());
    }
    TopHitsCollector.Hits found = collector.candidates();
    exact.query(query);
    if (!exact.rescore(reader.leaves(), found.docs, found.scores)) {
      if (fraction < 1) {
        Arrays.fill(found.scores, 0);
        rescorer.add(reader.leaves(), CONTENTS, query, found.docs, found.scores);
      } else {
        rescorer.add(reader.leaves(), CONTENTS, query.without(kept), found.docs, found.scores);
      }
    }
    TopHitsCollector best = new TopHitsCollector(k, 1f);
    for (int i = 0; i < found.docs.length; i++) {
      best.offer(found.docs[i], found.scores[i]);
    }
    return best.hits(reader.leaves());
  }

  /** Whether to score {@code query} term at a time (see {@link #setStrategy}). */
  private boolean exhaustive(VectorQuery query) throws IOException {
    if (!"auto".equals(strategy)) {
      return "exhaustive".equals(strategy);
    }
    if (thresholdFactor > 1) {
      return false;
    }
    long postings = 0;
    for (BytesRef term : query.terms) {
      postings += reader.docFreq(new Term(CONTENTS, term));
    }
    return postings >= (long) (DENSE_FRACTION * reader.maxDoc());
  }

  @Override
  public void close() throws IOException {
    decoded.release();
    reader.close();
  }
}
