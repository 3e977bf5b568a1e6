"""Backbones for SPLADE: a masked LM as is, a sentence encoder given a tied vocabulary head, or a decoder-only LM.

- ``mlm``: any Hugging Face masked-LM checkpoint (``*ForMaskedLM``): its own head produces the term logits.
- ``tied``: a BERT-type encoder without an MLM head (all-MiniLM-L6-v2) gets the head
  ``logits = hidden @ E.T + b``, with ``E`` its input embedding matrix (tied, trained with it) and ``b`` a learned
  per-term bias. The model is rewritten, weight for weight, as a ``XLMWithLMHeadModel``: the same post-LayerNorm
  transformer (token-type 0 embedding folded into the position embeddings, PAD embedding zeroed) whose LM head is
  exactly a tied linear projection with a bias. It stays a standard masked-LM checkpoint, so sentence-transformers'
  fill-mask ``Transformer`` and this project's encoder load it without custom code.
- ``causal``: a decoder-only LM (``*ForCausalLM``, Mistral-SPLADE style): its LM head over every position, with its
  causal attention.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..models import resolve_model

KINDS = ("mlm", "tied", "causal")


def architecture(path: str) -> str:
    """The first ``architectures`` entry of a checkpoint's config.json ('' when absent)."""
    config = Path(path) / "config.json"
    if not config.is_file():
        return ""
    names = json.loads(config.read_text(encoding="utf-8")).get("architectures") or [""]
    return str(names[0])


def backbone_kind(path: str, requested: str = "auto") -> str:
    """``mlm``, ``tied`` or ``causal`` for a local checkpoint; ``auto`` decides from its architecture."""
    if requested != "auto":
        if requested not in KINDS:
            raise ConfigError(f"model.head must be 'auto' or one of {KINDS}, got {requested!r}")
        return requested
    arch = architecture(path)
    if arch.endswith(("ForMaskedLM", "WithLMHeadModel")):
        return "mlm"
    if arch.endswith("ForCausalLM"):
        return "causal"
    if arch.endswith("Model"):
        return "tied"
    raise ConfigError(f"cannot tell the head of {path!r} (architecture {arch!r}); set model.head to mlm, tied or "
                      "causal")


def tied_mlm_from_encoder(source: str, target: str | os.PathLike, bias_init: float = 0.0) -> str:
    """Write ``source`` (a BERT-type encoder without MLM head) as a masked LM with a tied head to ``target``.

    The hidden states of the result equal the source's (checked in the tests); the head's bias starts at
    ``bias_init`` for every term (a negative value makes the first vectors sparser). Returns ``target``.
    """
    import torch
    from transformers import AutoModel, AutoTokenizer, XLMConfig, XLMWithLMHeadModel

    target = Path(target)
    if (target / "config.json").is_file():
        return str(target)
    location = resolve_model(source)
    encoder = AutoModel.from_pretrained(location)
    config = encoder.config
    if config.model_type != "bert" or getattr(config, "position_embedding_type", "absolute") != "absolute":
        raise ConfigError(f"tied head: only BERT-type encoders with absolute positions are supported, "
                          f"{source!r} is {config.model_type!r}")
    if config.intermediate_size != 4 * config.hidden_size or config.hidden_act != "gelu":
        raise ConfigError(f"tied head: {source!r} needs intermediate_size = 4 x hidden_size and gelu")
    pad = config.pad_token_id if config.pad_token_id is not None else 0
    xlm_config = XLMConfig(
        vocab_size=config.vocab_size, emb_dim=config.hidden_size, n_layers=config.num_hidden_layers,
        n_heads=config.num_attention_heads, dropout=config.hidden_dropout_prob,
        attention_dropout=config.attention_probs_dropout_prob, gelu_activation=True, sinusoidal_embeddings=False,
        causal=False, asm=False, n_langs=1, use_lang_emb=False, max_position_embeddings=config.max_position_embeddings,
        layer_norm_eps=config.layer_norm_eps, pad_index=pad, pad_token_id=pad, is_encoder=True,
        tie_word_embeddings=True, bos_index=pad, eos_index=pad, unk_index=pad, mask_index=pad)
    model = XLMWithLMHeadModel(xlm_config)
    state = encoder.state_dict()
    xlm = model.transformer

    def copy(module: Any, prefix: str) -> None:
        module.weight.copy_(state[prefix + ".weight"])
        module.bias.copy_(state[prefix + ".bias"])

    with torch.no_grad():
        xlm.embeddings.weight.copy_(state["embeddings.word_embeddings.weight"])
        xlm.embeddings.weight[pad].zero_()  # XLM adds embeddings(token_type_ids): type 0 -> PAD row -> nothing
        xlm.position_embeddings.weight.copy_(state["embeddings.position_embeddings.weight"]
                                             + state["embeddings.token_type_embeddings.weight"][0])
        copy(xlm.layer_norm_emb, "embeddings.LayerNorm")
        for i in range(config.num_hidden_layers):
            layer = f"encoder.layer.{i}."
            for mine, theirs in (("q_lin", "attention.self.query"), ("k_lin", "attention.self.key"),
                                 ("v_lin", "attention.self.value"), ("out_lin", "attention.output.dense")):
                copy(getattr(xlm.attentions[i], mine), layer + theirs)
            copy(xlm.layer_norm1[i], layer + "attention.output.LayerNorm")
            copy(xlm.ffns[i].lin1, layer + "intermediate.dense")
            copy(xlm.ffns[i].lin2, layer + "output.dense")
            copy(xlm.layer_norm2[i], layer + "output.LayerNorm")
        model.pred_layer.proj.bias.fill_(bias_init)
        model.pred_layer.proj.bias[pad] = -1e4  # the zeroed PAD row must never become a term
    tokenizer = AutoTokenizer.from_pretrained(location)
    staging = target.with_name(target.name + ".tmp")
    model.save_pretrained(staging)
    tokenizer.save_pretrained(staging)
    # XLM adds embeddings(token_type_ids): keep the tokenizer from producing them (the PAD row is zero anyway).
    config_path = staging / "tokenizer_config.json"
    tokenizer_config = json.loads(config_path.read_text(encoding="utf-8"))
    tokenizer_config["model_input_names"] = ["input_ids", "attention_mask"]
    config_path.write_text(json.dumps(tokenizer_config, indent=2) + "\n", encoding="utf-8")
    staging.rename(target)
    return str(target)


def tiny_causal_lm(target: str | os.PathLike, tokenizer_source: str = "splade-tiny", hidden: int = 32,
                   layers: int = 2, seed: int = 0) -> str:
    """A randomly initialised Mistral-type causal LM over ``tokenizer_source``'s vocabulary, saved to ``target``
    (for tests and smoke runs of decoder-only SPLADE; nothing is downloaded)."""
    import torch
    from transformers import AutoTokenizer, MistralConfig, MistralForCausalLM

    target = Path(target)
    if (target / "config.json").is_file():
        return str(target)
    tokenizer = AutoTokenizer.from_pretrained(resolve_model(tokenizer_source))
    config = MistralConfig(vocab_size=len(tokenizer), hidden_size=hidden, intermediate_size=2 * hidden,
                           num_hidden_layers=layers, num_attention_heads=4, num_key_value_heads=2,
                           max_position_embeddings=512, pad_token_id=tokenizer.pad_token_id,
                           tie_word_embeddings=False, sliding_window=None)
    torch.manual_seed(seed)
    model = MistralForCausalLM(config)
    model.save_pretrained(target)
    tokenizer.save_pretrained(target)
    return str(target)
