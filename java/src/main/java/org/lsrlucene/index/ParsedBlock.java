package org.lsrlucene.index;

import java.util.Arrays;

/**
 * The records of one {@link LineBlockReader.Block}, parsed: ids, terms and impacts, in input order, followed by the
 * error that stopped parsing, if any (so errors surface in input order too).
 */
final class ParsedBlock {
  final int seq;
  final String file;
  int size;
  String[] ids = new String[64];
  String[][] terms = new String[64][];
  int[][] impacts = new int[64][];
  long[] lines = new long[64];
  BadRecordException error;

  private ParsedBlock(int seq, String file) {
    this.seq = seq;
    this.file = file;
  }

  /** Parse every non-blank line of {@code block} with {@code parser}; a bad record ends the block. */
  static ParsedBlock parse(LineBlockReader.Block block, VectorRecordParser parser) {
    ParsedBlock parsed = new ParsedBlock(block.seq, block.file);
    long line = block.firstLine;
    int start = 0;
    try {
      for (int i = 0; i <= block.length; i++) {
        if (i < block.length && block.bytes[i] != '\n') {
          continue;
        }
        if (!blank(block.bytes, start, i)) {
          parser.parse(block.bytes, start, i - start, block.file, line);
          parsed.add(parser, line);
        }
        line++;
        start = i + 1;
      }
    } catch (BadRecordException e) {
      parsed.error = e;
    }
    return parsed;
  }

  private void add(VectorRecordParser parser, long line) {
    if (size == ids.length) {
      ids = Arrays.copyOf(ids, size * 2);
      terms = Arrays.copyOf(terms, size * 2);
      impacts = Arrays.copyOf(impacts, size * 2);
      lines = Arrays.copyOf(lines, size * 2);
    }
    ids[size] = parser.id();
    terms[size] = Arrays.copyOf(parser.terms(), parser.size());
    impacts[size] = Arrays.copyOf(parser.impacts(), parser.size());
    lines[size] = line;
    size++;
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
