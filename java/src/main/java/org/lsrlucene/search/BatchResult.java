package org.lsrlucene.search;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The hits of a batch of queries in three flat pieces that cross to Python in one call each, all little-endian
 * bytes for {@code numpy.frombuffer}: hits per query (int32), Lucene doc ids (int32, index-wide; {@link
 * BatchImpactSearcher#ids} maps them to collection ids) and scores (float32), queries in input order and hits best
 * first; and each query's search time (int64 nanoseconds, from parsed query to final hits).
 */
public final class BatchResult {
  private final byte[] counts;
  private final byte[] docs;
  private final byte[] scores;
  private final byte[] nanos;

  BatchResult(TopHitsCollector.Hits[] perQuery, long[] nanosPerQuery) {
    int total = 0;
    for (TopHitsCollector.Hits hits : perQuery) {
      total += hits.docs.length;
    }
    ByteBuffer countBuf = ByteBuffer.allocate(4 * perQuery.length).order(ByteOrder.LITTLE_ENDIAN);
    ByteBuffer docBuf = ByteBuffer.allocate(4 * total).order(ByteOrder.LITTLE_ENDIAN);
    ByteBuffer scoreBuf = ByteBuffer.allocate(4 * total).order(ByteOrder.LITTLE_ENDIAN);
    for (TopHitsCollector.Hits hits : perQuery) {
      countBuf.putInt(hits.docs.length);
      for (int i = 0; i < hits.docs.length; i++) {
        docBuf.putInt(hits.docs[i]);
        scoreBuf.putFloat(hits.scores[i]);
      }
    }
    this.counts = countBuf.array();
    this.docs = docBuf.array();
    this.scores = scoreBuf.array();
    ByteBuffer nanoBuf = ByteBuffer.allocate(8 * nanosPerQuery.length).order(ByteOrder.LITTLE_ENDIAN);
    for (long n : nanosPerQuery) {
      nanoBuf.putLong(n);
    }
    this.nanos = nanoBuf.array();
  }

  /** Hits per query, int32 little-endian. */
  public byte[] counts() {
    return counts;
  }

  /** Lucene doc ids of all hits, int32 little-endian. */
  public byte[] docs() {
    return docs;
  }

  /** Scores of all hits, float32 little-endian. */
  public byte[] scores() {
    return scores;
  }

  /** Search time of each query in nanoseconds, int64 little-endian. */
  public byte[] nanos() {
    return nanos;
  }
}
