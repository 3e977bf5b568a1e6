package org.lsrlucene.index;

import java.io.IOException;

/** A vector record that cannot be indexed, named by file, line and (when known) document id. */
public final class BadRecordException extends IOException {
  private static final long serialVersionUID = 1L;

  private final String file;
  private final long line;
  private final String docId;
  private final String reason;

  public BadRecordException(String file, long line, String docId, String reason) {
    super(file + (line > 0 ? ":" + line : "") + (docId != null ? " (id '" + docId + "')" : "") + ": " + reason);
    this.file = file;
    this.line = line;
    this.docId = docId;
    this.reason = reason;
  }

  public String getFile() {
    return file;
  }

  /** The line number (from 1), or 0 when the error concerns the whole file. */
  public long getLine() {
    return line;
  }

  /** The record's document id, or null when the record has none (or it could not be read). */
  public String getDocId() {
    return docId;
  }

  /** What is wrong, without the location. */
  public String getReason() {
    return reason;
  }
}
