package org.lsrlucene.index;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.lucene.analysis.core.WhitespaceAnalyzer;
import org.apache.lucene.index.ConcurrentMergeScheduler;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.lsrlucene.ImpactSimilarity;

/**
 * Writes a Lucene impact index from {@code JsonVectorCollection} JSONL files, each impact going straight into the
 * posting as the term frequency (no repeated "fake words").
 *
 * <p>The index has the fields, index options, similarity and writer settings of Anserini's
 * {@code IndexCollection -collection JsonVectorCollection -impact -pretokenized}; see {@link ImpactDocument}.
 * Records with an empty vector are skipped and counted (Anserini skips them as empty documents).
 *
 * <p>Runs in the background so a caller (Python, through pyjnius) can poll {@link #indexed()} for progress:
 * {@link #start}, then {@link #waitFor} until true, then {@link #failure()} (null when all went well).
 */
public final class ImpactIndexer {
  private static final int BLOCK_BYTES = 1 << 20;

  private final Path indexDir;
  private final int threads;
  private final double ramBufferMB;
  private final boolean optimize;
  private final AtomicLong indexed = new AtomicLong();
  private final AtomicLong empty = new AtomicLong();
  private final AtomicLong postings = new AtomicLong();
  private final AtomicLong impactSum = new AtomicLong();
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private final CountDownLatch done = new CountDownLatch(1);
  private volatile boolean started;

  /**
   * @param indexDir folder of the new index (created or overwritten)
   * @param threads indexing threads (each parses and inverts documents)
   * @param ramBufferMB Lucene's RAM buffer before a flush; 0 for Anserini's 4096 MB, bounded by half the heap
   * @param optimize merge the index into one segment at the end (Anserini's {@code -optimize})
   */
  public ImpactIndexer(String indexDir, int threads, double ramBufferMB, boolean optimize) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1, got " + threads);
    }
    this.indexDir = Paths.get(indexDir);
    this.threads = threads;
    this.ramBufferMB = ramBufferMB > 0 ? ramBufferMB
        : Math.min(4096.0, Runtime.getRuntime().maxMemory() / 2.0 / (1 << 20));
    this.optimize = optimize;
  }

  /** Start indexing {@code files} (in this order) in the background. */
  public synchronized void start(String[] files) {
    if (started) {
      throw new IllegalStateException("this indexer was already started");
    }
    started = true;
    List<Path> paths = new ArrayList<>();
    for (String file : files) {
      paths.add(Paths.get(file));
    }
    Thread main = new Thread(() -> {
      try {
        run(paths);
      } catch (Throwable t) {
        failure.compareAndSet(null, t);
      } finally {
        done.countDown();
      }
    }, "lsr-lucene-indexer");
    main.setDaemon(true);
    main.start();
  }

  /** Wait up to {@code millis} ms; true once indexing has finished (successfully or not). */
  public boolean waitFor(long millis) throws InterruptedException {
    return done.await(millis, TimeUnit.MILLISECONDS);
  }

  /** Stop early: the workers finish their current block and nothing is committed. */
  public void cancel() {
    failure.compareAndSet(null, new java.util.concurrent.CancellationException("indexing was cancelled"));
  }

  /** The first error, or null; a {@link BadRecordException} names the file, line and id of a bad record. */
  public Throwable failure() {
    return failure.get();
  }

  /** Documents added so far. */
  public long indexed() {
    return indexed.get();
  }

  /** Records skipped because their vector is empty. */
  public long empty() {
    return empty.get();
  }

  /** Sum over documents of their number of terms. */
  public long postings() {
    return postings.get();
  }

  /** Sum of all impacts (Lucene's sumTotalTermFreq of the contents field). */
  public long impactSum() {
    return impactSum.get();
  }

  static IndexWriterConfig writerConfig(double ramBufferMB) {
    // The analyzer is unused (documents arrive as token streams); WhitespaceAnalyzer is what Anserini's
    // -pretokenized indexing sets.
    IndexWriterConfig config = new IndexWriterConfig(new WhitespaceAnalyzer());
    config.setSimilarity(new ImpactSimilarity());
    config.setOpenMode(IndexWriterConfig.OpenMode.CREATE);
    config.setRAMBufferSizeMB(ramBufferMB);
    config.setUseCompoundFile(false);
    config.setMergeScheduler(new ConcurrentMergeScheduler());
    return config;
  }

  private void run(List<Path> files) throws Exception {
    try (Directory dir = FSDirectory.open(indexDir);
         IndexWriter writer = new IndexWriter(dir, writerConfig(ramBufferMB));
         LineBlockReader reader = new LineBlockReader(files, BLOCK_BYTES)) {
      List<Thread> workers = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        Thread worker = new Thread(() -> work(reader, writer), "lsr-lucene-indexer-" + i);
        worker.setDaemon(true);
        workers.add(worker);
        worker.start();
      }
      for (Thread worker : workers) {
        worker.join();
      }
      if (failure.get() != null) {
        writer.rollback();
        return;
      }
      writer.commit();
      if (optimize) {
        writer.forceMerge(1);
        writer.commit();
      }
    }
  }

  private void work(LineBlockReader reader, IndexWriter writer) {
    VectorRecordParser parser = new VectorRecordParser();
    ImpactDocument document = new ImpactDocument();
    try {
      LineBlockReader.Block block;
      while (failure.get() == null && (block = reader.next()) != null) {
        long line = block.firstLine;
        int lineStart = 0;
        long added = 0;
        for (int i = 0; i <= block.length; i++) {
          if (i < block.length && block.bytes[i] != '\n') {
            continue;
          }
          if (!blank(block.bytes, lineStart, i)) {
            parser.parse(block.bytes, lineStart, i - lineStart, block.file, line);
            int size = parser.size();
            if (size == 0) {
              empty.incrementAndGet();
            } else {
              try {
                writer.addDocument(document.set(parser.id(), parser.terms(), parser.impacts(), size));
              } catch (IllegalArgumentException e) {  // Lucene refuses the document (e.g. too many tokens)
                throw new BadRecordException(block.file, line, parser.id(), "Lucene refused it: " + e.getMessage());
              }
              added++;
              long sum = 0;
              int[] impacts = parser.impacts();
              for (int t = 0; t < size; t++) {
                sum += impacts[t];
              }
              postings.addAndGet(size);
              impactSum.addAndGet(sum);
            }
          }
          line++;
          lineStart = i + 1;
          if (added == 64) {
            indexed.addAndGet(added);
            added = 0;
          }
        }
        indexed.addAndGet(added);
      }
    } catch (Throwable t) {
      failure.compareAndSet(null, t);
    }
  }

  private static boolean blank(byte[] bytes, int from, int to) {
    for (int i = from; i < to; i++) {
      byte b = bytes[i];
      if (b != ' ' && b != '\t' && b != '\r') {
        return false;
      }
    }
    return true;
  }
}
