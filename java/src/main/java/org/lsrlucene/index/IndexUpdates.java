package org.lsrlucene.index;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Paths;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.TieredMergePolicy;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;

/**
 * Adds, replaces and deletes documents by their {@code id} term in an existing impact index (built by
 * {@link ImpactIndexer} or by Anserini, whose {@code id} is the same indexed {@code StringField}).
 *
 * <p>Reads the index's last commit to tell replaced documents from new ones and to find ids that are not there.
 * Writers opened with {@link #writerConfig} drop deleted documents from every segment on
 * {@link IndexWriter#forceMergeDeletes()}, so that the updated index holds the same documents, terms and postings
 * as an index built from scratch on the final documents. Not thread-safe: one writing thread (the counts may be
 * read once it has finished).
 */
public final class IndexUpdates implements Closeable {
  private final Directory directory;
  private final DirectoryReader before;
  private final IndexSearcher searcher;
  private long added;
  private long replaced;
  private long deleted;

  /** Open the last commit of the index at {@code indexDir}. */
  public IndexUpdates(String indexDir) throws IOException {
    this.directory = FSDirectory.open(Paths.get(indexDir));
    this.before = DirectoryReader.open(directory);
    this.searcher = new IndexSearcher(before);
  }

  /** The writer settings of {@link ImpactIndexer}, appending to the index and expunging every deletion. */
  static IndexWriterConfig writerConfig(double ramBufferMB) {
    IndexWriterConfig config = ImpactIndexer.writerConfig(ramBufferMB);
    config.setOpenMode(IndexWriterConfig.OpenMode.APPEND);
    TieredMergePolicy policy = new TieredMergePolicy();
    policy.setForceMergeDeletesPctAllowed(0);
    config.setMergePolicy(policy);
    return config;
  }

  /** Whether the last commit holds a live document with {@code id}. */
  public boolean contains(String id) throws IOException {
    return searcher.count(new TermQuery(new Term(ImpactDocument.ID, id))) > 0;
  }

  /** Position of the first of {@code ids} with no live document, or -1 when all are there. */
  public int firstMissing(String[] ids) throws IOException {
    for (int i = 0; i < ids.length; i++) {
      if (!contains(ids[i])) {
        return i;
      }
    }
    return -1;
  }

  /** Add {@code document}, replacing the document with the same {@code id} if there is one. */
  void put(IndexWriter writer, String id, Document document) throws IOException {
    if (contains(id)) {
      replaced++;
    } else {
      added++;
    }
    writer.updateDocument(new Term(ImpactDocument.ID, id), document);
  }

  /** Delete the document with {@code id}, if there is one. */
  void delete(IndexWriter writer, String id) throws IOException {
    if (contains(id)) {
      deleted++;
    }
    writer.deleteDocuments(new Term(ImpactDocument.ID, id));
  }

  /**
   * Documents whose id was new to the index, documents that replaced one with the same id, and documents deleted
   * (replaced ones not counted), in this order.
   */
  public long[] counts() {
    return new long[] {added, replaced, deleted};
  }

  /**
   * Delete the documents with {@code ids} from the index, expunge them and commit. Ids that are not in the index
   * are not counted in {@link #counts()}.
   */
  public void deleteAll(String[] ids) throws IOException {
    try (IndexWriter writer = new IndexWriter(directory,
        writerConfig(IndexWriterConfig.DEFAULT_RAM_BUFFER_SIZE_MB))) {
      for (String id : ids) {
        delete(writer, id);
      }
      writer.forceMergeDeletes();
      writer.commit();
    }
  }

  @Override
  public void close() throws IOException {
    before.close();
    directory.close();
  }
}
