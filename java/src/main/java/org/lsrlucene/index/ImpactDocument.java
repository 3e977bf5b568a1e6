package org.lsrlucene.index;

import org.apache.lucene.document.BinaryDocValuesField;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.FieldType;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.IndexOptions;
import org.apache.lucene.util.BytesRef;

/**
 * A reusable Lucene document with the fields of Anserini's impact indexes ({@code IndexCollection -impact
 * -pretokenized} through {@code DefaultLuceneDocumentGenerator}): {@code id} as a stored {@code StringField} plus
 * {@code BinaryDocValuesField} (used to break score ties), and {@code contents} indexed with {@code DOCS_AND_FREQS},
 * not stored, norms kept (the impact similarity writes the constant 1).
 *
 * <p>One instance per indexing thread: {@link #set} replaces the values before each {@code addDocument}.
 */
public final class ImpactDocument {
  /** Field names, as in Anserini's {@code Constants}. */
  public static final String ID = "id";
  public static final String CONTENTS = "contents";

  /** The {@code contents} field type: what Anserini's generator builds without -storePositions/-storeContents. */
  public static final FieldType CONTENTS_TYPE = new FieldType();

  static {
    CONTENTS_TYPE.setIndexOptions(IndexOptions.DOCS_AND_FREQS);
    CONTENTS_TYPE.setTokenized(true);
    CONTENTS_TYPE.setStored(false);
    CONTENTS_TYPE.freeze();
  }

  private final ImpactTokenStream tokens = new ImpactTokenStream();
  private final StringField idField = new StringField(ID, "", Field.Store.YES);
  private final BinaryDocValuesField idValues = new BinaryDocValuesField(ID, new BytesRef());
  private final Document document = new Document();

  public ImpactDocument() {
    document.add(idField);
    document.add(idValues);
    document.add(new Field(CONTENTS, tokens, CONTENTS_TYPE));
  }

  /** The document for {@code id} with the first {@code size} terms and impacts. */
  public Document set(String id, String[] terms, int[] impacts, int size) {
    idField.setStringValue(id);
    idValues.setBytesValue(new BytesRef(id));
    tokens.setVector(terms, impacts, size);
    return document;
  }
}
