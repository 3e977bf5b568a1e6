package org.lsrlucene.index;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.lucene.analysis.core.WhitespaceAnalyzer;
import org.apache.lucene.document.Document;
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
 * <p>With {@code threads} > 1, {@code threads - 1} threads read and parse blocks of lines and one thread adds the
 * documents in input order. The index is therefore deterministic and, for one input file, the one Anserini writes
 * with its single thread per file: same segments, same files, same bytes apart from the segment ids. Parsing the
 * JSON is about half the work, so the writing thread is the limit past a few threads.
 *
 * <p>Runs in the background so a caller (Python, through pyjnius) can poll {@link #indexed()} for progress:
 * {@link #start}, then {@link #waitFor} until true, then {@link #failure()} (null when all went well).
 */
public final class ImpactIndexer {
  private static final int BLOCK_BYTES = 1 << 19;

  private final Path indexDir;
  private final int threads;
  private final double ramBufferMB;
  private final boolean optimize;
  private final boolean update;
  private volatile IndexUpdates updates;
  private volatile int docTermLimit;
  private volatile int termTopPostings;
  private TopPostingsPlan plan;
  private final AtomicLong indexed = new AtomicLong();
  private final AtomicLong empty = new AtomicLong();
  private final AtomicLong postings = new AtomicLong();
  private final AtomicLong impactSum = new AtomicLong();
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private final CountDownLatch done = new CountDownLatch(1);
  private volatile boolean started;

  /**
   * @param indexDir folder of the new index (created or overwritten)
   * @param threads indexing threads: 1 parses and writes; n > 1 run n - 1 parsers and one writer
   * @param ramBufferMB Lucene's RAM buffer before a flush; 0 for Anserini's 4096 MB, bounded by half the heap
   * @param optimize merge the index into one segment at the end (Anserini's {@code -optimize})
   */
  public ImpactIndexer(String indexDir, int threads, double ramBufferMB, boolean optimize) {
    this(indexDir, threads, ramBufferMB, optimize, false);
  }

  /**
   * @param update add the documents to the existing index at {@code indexDir}, each replacing the document with the
   *     same id (a record with an empty vector deletes it); see {@link IndexUpdates}
   */
  public ImpactIndexer(String indexDir, int threads, double ramBufferMB, boolean optimize, boolean update) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1, got " + threads);
    }
    this.indexDir = Paths.get(indexDir);
    this.threads = threads;
    this.ramBufferMB = ramBufferMB > 0 ? ramBufferMB
        : Math.min(4096.0, Runtime.getRuntime().maxMemory() / 2.0 / (1 << 20));
    this.optimize = optimize;
    this.update = update;
  }

  /**
   * Static pruning: index only each document's {@code limit} highest impacts (ties: the earlier terms of the record);
   * 0, the default, keeps every term. Call before {@link #start}.
   */
  public void setDocTermLimit(int limit) {
    if (limit < 0) {
      throw new IllegalArgumentException("the terms kept per document must be >= 0 (0: all), got " + limit);
    }
    docTermLimit = limit;
  }

  /**
   * For approximate search: also index each term's {@code n} highest-impact postings in a second field and each
   * document's vector as doc values ({@link TopPostingsPlan}; the input is read twice). 0, the default: neither.
   * Call before {@link #start}; not with updates.
   */
  public void setTermTopPostings(int n) {
    if (n < 0 || (n > 0 && update)) {
      throw new IllegalArgumentException("term top postings must be >= 0 (0: none) and cannot be added by an "
          + "update, got " + n);
    }
    termTopPostings = n;
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

  /** In update mode, the counts of added, replaced and deleted documents; null otherwise. */
  public IndexUpdates updates() {
    return updates;
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
    plan = termTopPostings > 0 ? TopPostingsPlan.read(files, termTopPostings) : null;
    updates = update ? new IndexUpdates(indexDir.toString()) : null;
    try (IndexUpdates closing = updates;
         Directory dir = FSDirectory.open(indexDir);
         IndexWriter writer = new IndexWriter(dir, update ? IndexUpdates.writerConfig(ramBufferMB)
             : writerConfig(ramBufferMB));
         LineBlockReader reader = new LineBlockReader(files, BLOCK_BYTES)) {
      if (threads == 1) {
        writeInOrder(writer, serial(reader));
      } else {
        parallel(reader, writer);
      }
      if (failure.get() != null) {
        writer.rollback();
        return;
      }
      if (update) {
        writer.forceMergeDeletes();
      }
      if (plan != null) {
        writer.setLiveCommitData(plan.userData().entrySet());
      }
      writer.commit();
      if (optimize) {
        writer.forceMerge(1);
        writer.commit();
      }
    }
  }

  /** One thread parses and writes. */
  private BlockSource serial(LineBlockReader reader) {
    VectorRecordParser parser = new VectorRecordParser();
    return () -> {
      LineBlockReader.Block block = failure.get() == null ? reader.next() : null;
      return block == null ? null : ParsedBlock.parse(block, parser);
    };
  }

  /** {@code threads - 1} threads parse blocks; this thread writes them in input order. */
  private void parallel(LineBlockReader reader, IndexWriter writer) throws InterruptedException {
    int parsers = threads - 1;
    BlockReorderBuffer buffer = new BlockReorderBuffer(4 * parsers);
    List<Thread> workers = new ArrayList<>();
    for (int i = 0; i < parsers; i++) {
      Thread worker = new Thread(() -> parse(reader, buffer), "lsr-lucene-parser-" + i);
      worker.setDaemon(true);
      workers.add(worker);
      worker.start();
    }
    try {
      writeInOrder(writer, buffer::take);
    } finally {
      buffer.stop();
      for (Thread worker : workers) {
        worker.join();
      }
    }
  }

  private void parse(LineBlockReader reader, BlockReorderBuffer buffer) {
    VectorRecordParser parser = new VectorRecordParser();
    try {
      LineBlockReader.Block block;
      while (failure.get() == null && (block = reader.next()) != null) {
        if (!buffer.put(ParsedBlock.parse(block, parser))) {
          return;
        }
      }
      if (failure.get() != null) {
        buffer.stop();  // the writer may be waiting for a block no parser will read now
      } else {
        buffer.finish(reader.blocks());
      }
    } catch (Throwable t) {
      failure.compareAndSet(null, t);
      buffer.stop();
    }
  }

  @FunctionalInterface
  private interface BlockSource {
    ParsedBlock next() throws Exception;
  }

  /**
   * Add the documents of the blocks in input order from one thread, so the index holds them in input order, as
   * Anserini's single-threaded indexing of one file does (the same index, byte for byte, apart from segment ids).
   */
  private void writeInOrder(IndexWriter writer, BlockSource blocks) {
    ImpactDocument document = new ImpactDocument();
    try {
      ParsedBlock block;
      while (failure.get() == null && (block = blocks.next()) != null) {
        for (int d = 0; d < block.size; d++) {
          int size = block.terms[d].length;
          if (docTermLimit > 0 && size > docTermLimit) {
            size = keepHeaviest(block.terms[d], block.impacts[d], docTermLimit);
          }
          if (size == 0) {
            empty.incrementAndGet();
            if (update) {  // the final documents hold no such document: an index from scratch skips it
              updates.delete(writer, block.ids[d]);
            }
            continue;
          }
          try {
            Document doc = document.set(block.ids[d], block.terms[d], block.impacts[d], size);
            if (plan != null) {
              Document withTop = new Document();
              doc.forEach(withTop::add);
              plan.addFields(withTop, block.terms[d], block.impacts[d], size);
              doc = withTop;
            }
            if (update) {
              updates.put(writer, block.ids[d], doc);
            } else {
              writer.addDocument(doc);
            }
          } catch (IllegalArgumentException e) {  // Lucene refuses the document (e.g. too many tokens)
            throw new BadRecordException(block.file, block.lines[d], block.ids[d], "Lucene refused it: "
                + e.getMessage());
          }
          long sum = 0;
          for (int i = 0; i < size; i++) {
            sum += block.impacts[d][i];
          }
          postings.addAndGet(size);
          impactSum.addAndGet(sum);
          indexed.incrementAndGet();
        }
        if (block.error != null) {
          throw block.error;
        }
      }
    } catch (Throwable t) {
      failure.compareAndSet(null, t);
    }
  }

  /**
   * Move the {@code limit} highest impacts of a record (ties: earlier terms first) to the front of its arrays, in
   * their input order; returns {@code limit}.
   */
  static int keepHeaviest(String[] terms, int[] impacts, int limit) {
    int[] sorted = impacts.clone();
    Arrays.sort(sorted);
    int cut = sorted[sorted.length - limit];  // the smallest impact kept
    int above = 0;
    for (int impact : impacts) {
      if (impact > cut) {
        above++;
      }
    }
    int tiesKept = limit - above;
    int kept = 0;
    for (int i = 0; i < impacts.length && kept < limit; i++) {
      boolean keep = impacts[i] > cut || (impacts[i] == cut && tiesKept-- > 0);
      if (keep) {
        terms[kept] = terms[i];
        impacts[kept] = impacts[i];
        kept++;
      }
    }
    return limit;
  }
}
