package org.lsrlucene.index;

import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.apache.lucene.index.BinaryDocValues;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.FieldInfos;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.MultiTerms;
import org.apache.lucene.index.PostingsEnum;
import org.apache.lucene.index.Terms;
import org.apache.lucene.index.TermsEnum;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.BytesRef;

/**
 * Reads an impact index back for comparisons: per-term statistics, a digest of every posting keyed by the
 * collection's document ids (independent of Lucene's internal document order), and the field schema.
 */
public final class IndexInspector implements Closeable {
  private final DirectoryReader reader;

  public IndexInspector(String indexDir) throws IOException {
    this.reader = DirectoryReader.open(FSDirectory.open(Paths.get(indexDir)));
  }

  public int numDocs() {
    return reader.numDocs();
  }

  public int segments() {
    return reader.leaves().size();
  }

  /** One line {@code term<TAB>docFreq<TAB>totalTermFreq} per term of {@code field}, in term order. */
  public String termStatistics(String field) throws IOException {
    Terms terms = MultiTerms.getTerms(reader, field);
    StringBuilder out = new StringBuilder();
    if (terms == null) {
      return "";
    }
    TermsEnum it = terms.iterator();
    for (BytesRef term = it.next(); term != null; term = it.next()) {
      out.append(term.utf8ToString()).append('\t').append(it.docFreq()).append('\t').append(it.totalTermFreq())
          .append('\n');
    }
    return out.toString();
  }

  /**
   * SHA-256 (hex) of every (term, document id, frequency) posting of {@code field}, sorted by term and then by
   * document id; equal digests mean equal postings whatever the segment layout.
   */
  public String postingsDigest(String field) throws IOException, NoSuchAlgorithmException {
    List<String[]> ids = new ArrayList<>();
    for (LeafReaderContext leaf : reader.leaves()) {
      BinaryDocValues values = DocValues.getBinary(leaf.reader(), ImpactDocument.ID);
      String[] leafIds = new String[leaf.reader().maxDoc()];
      for (int doc = values.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = values.nextDoc()) {
        leafIds[doc] = values.binaryValue().utf8ToString();
      }
      ids.add(leafIds);
    }
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    Terms terms = MultiTerms.getTerms(reader, field);
    if (terms != null) {
      TermsEnum it = terms.iterator();
      for (BytesRef term = it.next(); term != null; term = it.next()) {
        TreeMap<String, Integer> postings = new TreeMap<>();
        for (LeafReaderContext leaf : reader.leaves()) {
          Terms leafTerms = leaf.reader().terms(field);
          TermsEnum leafIt = leafTerms == null ? null : leafTerms.iterator();
          if (leafIt == null || !leafIt.seekExact(term)) {
            continue;
          }
          PostingsEnum docs = leafIt.postings(null, PostingsEnum.FREQS);
          String[] leafIds = ids.get(leaf.ord);
          for (int doc = docs.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = docs.nextDoc()) {
            postings.put(leafIds[doc], docs.freq());
          }
        }
        digest.update(term.utf8ToString().getBytes(StandardCharsets.UTF_8));
        for (var entry : postings.entrySet()) {
          digest.update(("\t" + entry.getKey() + "\t" + entry.getValue()).getBytes(StandardCharsets.UTF_8));
        }
        digest.update((byte) '\n');
      }
    }
    StringBuilder hex = new StringBuilder();
    for (byte b : digest.digest()) {
      hex.append(String.format("%02x", b));
    }
    return hex.toString();
  }

  /** One line per field: name, index options, norms, doc values type, stored in at least one document. */
  public String schema() {
    FieldInfos infos = FieldInfos.getMergedFieldInfos(reader);
    StringBuilder out = new StringBuilder();
    for (FieldInfo info : infos) {
      out.append(info.name).append('\t').append(info.getIndexOptions()).append("\tnorms=")
          .append(info.hasNorms()).append('\t').append(info.getDocValuesType()).append('\n');
    }
    return out.toString();
  }

  @Override
  public void close() throws IOException {
    reader.close();
  }
}
