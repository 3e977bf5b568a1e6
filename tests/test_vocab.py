from lsr_lucene.vocab import lucene_term, vocabulary_terms


def test_safe_terms_are_unchanged():
    for term in ["hello", "##ing", "[CLS]", "%", "ü", "▁the", "Ġthe"]:
        assert lucene_term(term) == term


def test_whitespace_and_control_characters_are_escaped_one_to_one():
    assert lucene_term("a b") == "a%20b"
    assert lucene_term("x\ty") == "x%09y"
    assert lucene_term("50% a") == "50%25%20a"  # '%' escaped in terms that need escaping
    assert lucene_term("\u200b") == "%E2%80%8B"  # zero-width space (format character)
    for term in ["a b", "\n", "\u2028"]:
        assert not any(c.isspace() for c in lucene_term(term))


def test_bert_vocabulary_needs_no_escaping(splade_tiny):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(splade_tiny)
    terms = vocabulary_terms(tokenizer)
    assert len(terms) == 30522 and len(set(terms)) == 30522
    assert terms == tokenizer.convert_ids_to_tokens(list(range(30522)))
