package org.lsrlucene.index;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Hands out blocks of whole lines from a list of JSONL files (plain or {@code .gz}) to several threads, so that one
 * file is parsed in parallel. Each block knows its position in the input, its file and the number of its first line.
 */
public final class LineBlockReader implements Closeable {
  /**
   * Whole lines from one file: {@code bytes[0, length)}, the first of which is line {@code firstLine}; blocks are
   * numbered 0, 1, ... in input order by {@code seq}.
   */
  public static final class Block {
    public final int seq;
    public final String file;
    public final long firstLine;
    public final byte[] bytes;
    public final int length;

    Block(int seq, String file, long firstLine, byte[] bytes, int length) {
      this.seq = seq;
      this.file = file;
      this.firstLine = firstLine;
      this.bytes = bytes;
      this.length = length;
    }
  }

  private final List<Path> files;
  private final int blockSize;
  private int next;
  private int blocks;
  private InputStream in;
  private String current;
  private long line;
  private byte[] buf;
  private int start;
  private int end;
  private boolean eof;

  /** Blocks of about {@code blockSize} bytes (more when a single line is longer). */
  public LineBlockReader(List<Path> files, int blockSize) {
    this.files = files;
    this.blockSize = blockSize;
    this.buf = new byte[blockSize];
  }

  /** Blocks handed out so far (all of them once {@link #next} has returned null). */
  public synchronized int blocks() {
    return blocks;
  }

  /** The next block, or null after the last line of the last file. */
  public synchronized Block next() throws IOException {
    while (true) {
      try {
        if (in == null && !openNext()) {
          return null;
        }
      } catch (IOException e) {
        throw new BadRecordException(files.get(next - 1).toString(), 0, null, "cannot open (" + e + ")");
      }
      try {
        fill();
      } catch (IOException e) {
        throw new BadRecordException(current, line, null, "unreadable file (" + e + ")");
      }
      int cut = lastNewline();
      if (cut < 0) {
        if (!eof) {
          buf = Arrays.copyOf(buf, buf.length * 2);  // a line longer than the buffer
          continue;
        }
        if (end == start) {
          closeCurrent();
          continue;
        }
        cut = end - 1;  // the last line has no newline
      }
      int length = cut + 1 - start;
      byte[] bytes = Arrays.copyOfRange(buf, start, cut + 1);
      Block block = new Block(blocks++, current, line, bytes, length);
      for (int i = 0; i < length; i++) {
        if (bytes[i] == '\n') {
          line++;
        }
      }
      if (bytes[length - 1] != '\n') {
        line++;
      }
      start = cut + 1;
      return block;
    }
  }

  private boolean openNext() throws IOException {
    if (next >= files.size()) {
      return false;
    }
    Path path = files.get(next++);
    InputStream raw = Files.newInputStream(path);
    in = path.toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw;
    current = path.toString();
    line = 1;
    start = 0;
    end = 0;
    eof = false;
    return true;
  }

  private void fill() throws IOException {
    if (start > 0) {
      System.arraycopy(buf, start, buf, 0, end - start);
      end -= start;
      start = 0;
    }
    while (!eof && end < buf.length) {
      int n = in.read(buf, end, buf.length - end);
      if (n < 0) {
        eof = true;
      } else {
        end += n;
      }
    }
  }

  private int lastNewline() {
    for (int i = end - 1; i >= start; i--) {
      if (buf[i] == '\n') {
        return i;
      }
    }
    return -1;
  }

  private void closeCurrent() throws IOException {
    in.close();
    in = null;
  }

  @Override
  public synchronized void close() throws IOException {
    if (in != null) {
      closeCurrent();
    }
  }
}
