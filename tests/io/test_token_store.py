"""The token store: round trip through parts, string ids, gather order, resume, and refusals that name the culprit."""

import json

import numpy as np
import pytest

from lsr_lucene.errors import InputFileError, ManifestError
from lsr_lucene.io.token_store import TokenStore, TokenStoreWriter, TokenVectors, store_dtypes


def random_texts(rng, n, vocab=500, max_tokens=12, top_k=5):
    texts = []
    for i in range(n):
        sizes = rng.integers(0, top_k + 1, size=rng.integers(0, max_tokens + 1))
        terms = [t for s in sizes for t in rng.choice(vocab, size=s, replace=False)]
        impacts = rng.integers(1, 1000, size=len(terms))
        texts.append(TokenVectors(np.repeat(np.arange(len(sizes)), sizes), np.asarray(terms, np.int64), impacts))
    return texts


IDS = ["doc-α/1", "test-environment-aeghhgwmh-con02a", "4983", "a", "x" * 70, "ünïcode-𝔡𝔬𝔠", "0", "10", "9", "b"]


def write(folder, texts, ids, part_size, config=None):
    writer = TokenStoreWriter(folder, config or {"test": 1}, store_dtypes(500, 1000, 12))
    for i, (item_id, vectors) in enumerate(zip(ids, texts), start=1):
        writer.add(item_id, vectors)
        if i % part_size == 0:
            writer.flush_part()
    return writer.finish(vocab_size=500)


def same(a, b):
    return all(np.array_equal(np.asarray(x, np.int64), np.asarray(y, np.int64)) for x, y in zip(a, b))


def test_round_trip_with_string_ids_over_several_parts(tmp_path):
    rng = np.random.default_rng(3)
    texts = random_texts(rng, len(IDS))
    manifest = write(tmp_path / "tokens", texts, IDS, part_size=4)
    assert [p["docs"] for p in manifest["parts"]] == [4, 4, 2]
    assert manifest["totals"]["entries"] == sum(len(t.terms) for t in texts)
    assert manifest["totals"]["tokens"] == sum(t.num_tokens for t in texts)
    store = TokenStore(tmp_path / "tokens")
    assert len(store) == len(IDS) and store.ids() == IDS and store.vocab_size == 500
    for item_id, vectors in zip(IDS, texts):
        assert same(store.get(item_id), vectors)
    order = [9, 0, 5, 5, 3, 8, 1]  # across parts, out of order, with a repeat
    gathered = store.gather(store.rows([IDS[i] for i in order]))
    assert gathered.lengths.tolist() == [len(texts[i].terms) for i in order]
    expected = [np.concatenate([np.asarray(texts[i][f]) for i in order]) for f in range(3)]
    assert same(gathered.vectors, expected)
    assert store.rows(IDS).tolist() == list(range(len(IDS)))
    # compact types, plain .npy files that load without pickle
    part = tmp_path / "tokens" / "part-00000"
    assert np.load(part / "terms.npy", allow_pickle=False).dtype == np.uint16
    assert np.load(part / "impacts.npy", allow_pickle=False).dtype == np.uint16
    assert np.load(part / "tokens.npy", allow_pickle=False).dtype == np.uint8


def test_unknown_ids_are_named(tmp_path):
    write(tmp_path / "tokens", random_texts(np.random.default_rng(1), 3), ["a", "bb", "c"], part_size=10)
    store = TokenStore(tmp_path / "tokens")
    for missing in ("b", "zz", "a" * 200, ""):
        with pytest.raises(ManifestError, match=f"id {missing!r} is not in the token store"):
            store.rows(["a", missing])


def test_duplicate_and_bad_ids_are_refused(tmp_path):
    texts = random_texts(np.random.default_rng(2), 3)
    with pytest.raises(ManifestError, match="id 'a' occurs twice"):
        write(tmp_path / "dup", texts, ["a", "b", "a"], part_size=2)
    with pytest.raises(InputFileError, match="NUL"):
        write(tmp_path / "nul", texts, ["a", "b\x00", "c"], part_size=10)


def test_resume_drops_parts_beyond_the_finished_shards(tmp_path):
    rng = np.random.default_rng(4)
    texts = random_texts(rng, 6)
    ids = [f"d{i}" for i in range(6)]
    writer = TokenStoreWriter(tmp_path / "tokens", {"k": 1}, store_dtypes(500, 1000, 12))
    for i in range(4):
        writer.add(ids[i], texts[i])
        if i % 2 == 1:
            writer.flush_part()
    # the shards beside it finished only one part: the second one is stale and goes
    again = TokenStoreWriter(tmp_path / "tokens", {"k": 1}, store_dtypes(500, 1000, 12))
    again.resume_at(1)
    assert again.parts_done == 1 and not (tmp_path / "tokens" / "part-00001").exists()
    for i in range(2, 6):
        again.add(ids[i], texts[i])
    again.finish()
    store = TokenStore(tmp_path / "tokens")
    assert store.ids() == ids and all(same(store.get(i), t) for i, t in zip(ids, texts))
    with pytest.raises(ManifestError, match="holds 2 finished parts but the shards beside it need 3"):
        TokenStoreWriter(tmp_path / "tokens", {"k": 1}, store_dtypes(500, 1000, 12)).resume_at(3)
    with pytest.raises(ManifestError, match="different config"):
        TokenStoreWriter(tmp_path / "tokens", {"k": 2}, store_dtypes(500, 1000, 12))


def test_a_changed_or_unfinished_store_is_refused(tmp_path):
    write(tmp_path / "tokens", random_texts(np.random.default_rng(5), 3), ["a", "b", "c"], part_size=10)
    terms = tmp_path / "tokens" / "part-00000" / "terms.npy"
    terms.write_bytes(terms.read_bytes() + b"\0")
    with pytest.raises(ManifestError, match="terms.npy: listed in .* but missing or changed"):
        TokenStore(tmp_path / "tokens")
    writer = TokenStoreWriter(tmp_path / "open", {"k": 1}, store_dtypes(500, 1000, 12))
    writer.add("a", random_texts(np.random.default_rng(6), 1)[0])
    writer.flush_part()
    with pytest.raises(ManifestError, match="did not finish"):
        TokenStore(tmp_path / "open")
    assert json.loads((tmp_path / "open" / "manifest.json").read_text())["complete"] is False


def test_values_that_do_not_fit_the_store_types_are_refused(tmp_path):
    writer = TokenStoreWriter(tmp_path / "tokens", {"k": 1}, store_dtypes(500, 255, 12))
    writer.add("a", TokenVectors(np.array([0]), np.array([7]), np.array([256])))
    with pytest.raises(ManifestError, match="impacts value 256 does not fit uint8"):
        writer.flush_part()
