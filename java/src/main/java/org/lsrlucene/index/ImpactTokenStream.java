package org.lsrlucene.index;

import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.analysis.tokenattributes.TermFrequencyAttribute;

/**
 * One token per term of an impact vector, carrying the impact as its term frequency (like Lucene's
 * {@code DelimitedTermFrequencyTokenFilter}), so the posting stores the impact without repeating the term.
 *
 * <p>Only for fields indexed with {@code DOCS_AND_FREQS}: Lucene refuses custom term frequencies with positions.
 * Reusable: {@link #setVector} before each document.
 */
public final class ImpactTokenStream extends TokenStream {
  private final CharTermAttribute termAtt = addAttribute(CharTermAttribute.class);
  private final TermFrequencyAttribute freqAtt = addAttribute(TermFrequencyAttribute.class);
  private String[] terms = new String[0];
  private int[] impacts = new int[0];
  private int size;
  private int upto;

  /** Use the first {@code size} terms and impacts (each impact >= 1, terms distinct) for the next document. */
  public void setVector(String[] terms, int[] impacts, int size) {
    this.terms = terms;
    this.impacts = impacts;
    this.size = size;
    this.upto = 0;
  }

  @Override
  public boolean incrementToken() {
    if (upto >= size) {
      return false;
    }
    clearAttributes();
    termAtt.setEmpty().append(terms[upto]);
    freqAtt.setTermFrequency(impacts[upto]);
    upto++;
    return true;
  }

  @Override
  public void reset() {
    upto = 0;
  }
}
