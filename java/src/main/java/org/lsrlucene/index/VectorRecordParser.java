package org.lsrlucene.index;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.IOException;
import java.util.Arrays;

/**
 * Parses one {@code JsonVectorCollection} line, {@code {"id": ..., "vector": {term: impact, ...}, ...}}, into a
 * document id and parallel arrays of terms and impacts; other keys (like {@code contents}) are skipped.
 *
 * <p>Checks what would make the index differ from Anserini's {@code -impact -pretokenized} index of the same line
 * or lose information silently: impacts must be integers >= 1 (Anserini truncates floats and drops zeros), terms must
 * be non-empty, hold no whitespace and have at most {@value #MAX_TERM_LENGTH} chars (Anserini's whitespace tokenizer
 * splits them), and a term may appear once. Not thread-safe: one parser per thread.
 */
public final class VectorRecordParser {
  /** The maximum token length of Lucene's {@code WhitespaceTokenizer}, which Anserini's indexer uses. */
  public static final int MAX_TERM_LENGTH = 255;

  private static final JsonFactory FACTORY =
      JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  private String id;
  private String[] terms = new String[256];
  private int[] impacts = new int[256];
  private int size;

  public String id() {
    return id;
  }

  public String[] terms() {
    return terms;
  }

  public int[] impacts() {
    return impacts;
  }

  /** Number of terms of the last record parsed. */
  public int size() {
    return size;
  }

  /**
   * Parse the UTF-8 JSON object in {@code bytes[offset, offset + length)}; {@code file} and {@code line} name it in
   * errors.
   */
  public void parse(byte[] bytes, int offset, int length, String file, long line) throws BadRecordException {
    id = null;
    size = 0;
    boolean sawVector = false;
    try (JsonParser p = FACTORY.createParser(bytes, offset, length)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new BadRecordException(file, line, null, "expected a JSON object");
      }
      JsonToken token;
      while ((token = p.nextToken()) == JsonToken.FIELD_NAME) {
        String key = p.currentName();
        JsonToken value = p.nextToken();
        if ("id".equals(key)) {
          if (value != JsonToken.VALUE_STRING && value != JsonToken.VALUE_NUMBER_INT) {
            throw new BadRecordException(file, line, null, "'id' must be a string, got " + p.getText());
          }
          id = p.getText();
        } else if ("vector".equals(key)) {
          if (value != JsonToken.START_OBJECT) {
            throw new BadRecordException(file, line, id, "'vector' must be an object {term: impact}"
                + (value == JsonToken.START_ARRAY ? " (dense vectors cannot be impact-indexed)" : ""));
          }
          sawVector = true;
          readVector(p, file, line);
        } else {
          p.skipChildren();
        }
      }
      if (token != JsonToken.END_OBJECT) {
        throw new BadRecordException(file, line, id, "malformed JSON object");
      }
      if (p.nextToken() != null) {
        throw new BadRecordException(file, line, id, "text after the JSON object (one record per line)");
      }
    } catch (BadRecordException e) {
      throw e;
    } catch (JsonProcessingException e) {
      throw new BadRecordException(file, line, id, "malformed JSON (" + e.getOriginalMessage() + ")");
    } catch (IOException e) {
      throw new BadRecordException(file, line, id, "unreadable record (" + e.getMessage() + ")");
    }
    if (id == null) {
      throw new BadRecordException(file, line, null, "record has no 'id'");
    }
    if (!sawVector) {
      throw new BadRecordException(file, line, id, "record has no 'vector' object");
    }
  }

  private void readVector(JsonParser p, String file, long line) throws IOException {
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String term = p.currentName();
      JsonToken value = p.nextToken();
      if (value != JsonToken.VALUE_NUMBER_INT || p.getNumberType() != JsonParser.NumberType.INT) {
        String shown = value.isStructStart() ? "a " + (value == JsonToken.START_OBJECT ? "object" : "list")
            : p.getText();
        throw new BadRecordException(file, line, id, "weight of term '" + term + "' is " + shown
            + ": impacts must be integers (quantize floats first, e.g. with lsr-lucene encode)");
      }
      int impact = p.getIntValue();
      if (impact < 1) {
        throw new BadRecordException(file, line, id, "weight of term '" + term + "' is " + impact
            + ": impacts must be >= 1");
      }
      checkTerm(term, file, line);
      if (size == terms.length) {
        terms = Arrays.copyOf(terms, size * 2);
        impacts = Arrays.copyOf(impacts, size * 2);
      }
      terms[size] = term;
      impacts[size] = impact;
      size++;
    }
  }

  private void checkTerm(String term, String file, long line) throws BadRecordException {
    if (term.isEmpty() || term.length() > MAX_TERM_LENGTH) {
      throw new BadRecordException(file, line, id, "term '" + term + "' is empty or longer than "
          + MAX_TERM_LENGTH + " chars");
    }
    for (int i = 0; i < term.length(); ) {
      int cp = term.codePointAt(i);
      if (Character.isWhitespace(cp)) {
        throw new BadRecordException(file, line, id, "term '" + term + "' holds whitespace");
      }
      i += Character.charCount(cp);
    }
  }
}
