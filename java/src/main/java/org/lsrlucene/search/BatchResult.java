package org.lsrlucene.search;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The hits of a batch of queries in three flat pieces that cross to Python in one call each: hits per query
 * (int32), scores (float32), both little-endian bytes for {@code numpy.frombuffer}, and the document ids joined by
 * newlines, queries in input order and hits best first.
 */
public final class BatchResult {
  private final byte[] counts;
  private final byte[] scores;
  private final String docIds;

  BatchResult(TopHitsCollector.Hits[] perQuery) {
    int total = 0;
    for (TopHitsCollector.Hits hits : perQuery) {
      total += hits.ids.length;
    }
    ByteBuffer countBuf = ByteBuffer.allocate(4 * perQuery.length).order(ByteOrder.LITTLE_ENDIAN);
    ByteBuffer scoreBuf = ByteBuffer.allocate(4 * total).order(ByteOrder.LITTLE_ENDIAN);
    StringBuilder ids = new StringBuilder(total * 8);
    for (TopHitsCollector.Hits hits : perQuery) {
      countBuf.putInt(hits.ids.length);
      for (int i = 0; i < hits.ids.length; i++) {
        scoreBuf.putFloat(hits.scores[i]);
        String id = hits.ids[i];
        if (id.indexOf('\n') >= 0) {
          throw new IllegalStateException("document id " + id.replace("\n", "\\n") + " holds a newline");
        }
        ids.append(id).append('\n');
      }
    }
    this.counts = countBuf.array();
    this.scores = scoreBuf.array();
    this.docIds = ids.toString();
  }

  /** Hits per query, int32 little-endian. */
  public byte[] counts() {
    return counts;
  }

  /** Scores of all hits, float32 little-endian. */
  public byte[] scores() {
    return scores;
  }

  /** Document ids of all hits, each followed by a newline. */
  public String docIds() {
    return docIds;
  }
}
