#!/usr/bin/python3
"""Build the tiny translation fixture model used by the translation tests.

Writes, in the hub layout that @huggingface/transformers reads from MODELS_DIR:

  tests/fixtures/models/baraza-fixtures/tiny-m2m100/
    config.json               model_type "m2m_100", is_encoder_decoder, d_model / *_layers / *_attention_heads
    generation_config.json    decoder_start_token_id = eos = </s>, greedy
    tokenizer.json            hand-written: Metaspace pre-tokenizer + Unigram model, language tokens __en__ __fr__ __sw__
    tokenizer_config.json     tokenizer_class M2M100Tokenizer (finds the __xx__ language tokens among the special tokens)
    onnx/encoder_model.onnx   input_ids, attention_mask -> last_hidden_state
    onnx/decoder_model_merged.onnx
        encoder_attention_mask, input_ids, encoder_hidden_states, past_key_values.{i}.{decoder,encoder}.{key,value},
        use_cache_branch -> logits, present.{i}.{decoder,encoder}.{key,value}
    fixture_examples.json     the pairs the model knows by heart (the tests read their expectations from it)

These are the files and the input/output names transformers.js v4 loads for an M2M100 model at dtype fp32
(src/models/session_config.js: Seq2Seq sessions "encoder_model" and "decoder_model_merged"; configs.js: cache
names past_key_values.{i}.decoder/encoder.key/value for an encoder-decoder config; modeling_utils.js: the decoder
gets use_cache_branch = false on the first step with empty caches, then true with the previous presents). As in
Optimum's merged decoders, the cross-attention keys and values are computed from encoder_hidden_states on the
first step and taken from the cache afterwards (an ONNX If on use_cache_branch). The translation pipeline puts
__<src_lang>__ in front of the source (the tokenizer's TemplateProcessing post-processor) and forces
__<tgt_lang>__ as the first generated token (forced_bos_token_id); the model has learned to follow it.

Run with Debian's torch and onnx (apt-get install python3-torch python3-onnx):

  /usr/bin/python3 scripts/build-translation-fixture.py

It reads packs/ and trains for a few seconds to memorise a handful of en->sw and en->fr translations (the title
and the first sentence of the summary of a few entries that exist in all three languages), so greedy decoding
reproduces them exactly; anything else comes out as noise. Deterministic: fixed seeds, one thread.
It writes only tiny-m2m100/; the other fixtures come from scripts/build-fixture-models.py.
"""

import importlib.util
import math
import os
import re
import sys
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
# the pack reader and the ONNX export helper are shared with the other fixtures' builder
_spec = importlib.util.spec_from_file_location("build_fixture_models", ROOT / "scripts" / "build-fixture-models.py")
fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fixtures)

OUT = ROOT / "tests" / "fixtures" / "models" / "baraza-fixtures" / "tiny-m2m100"

SEED = 20240612
torch.manual_seed(SEED)
torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)

# Entries whose title and first summary sentence are memorised, en -> sw and en -> fr (short sentences, all three
# languages present in packs/). loan-total-cost-apr is the one the end-to-end test serves in Swahili.
ENTRIES = ["loan-total-cost-apr", "cassava-cyanide-processing", "monthly-budget", "savings-goal"]
SOURCE = "en"
TARGETS = ["sw", "fr"]
LANGS = ["en", "fr", "sw"]  # the language tokens the tokenizer knows (recipe: baraza-fixtures/tiny-m2m100)

BOS, PAD, EOS, UNK = "<s>", "<pad>", "</s>", "<unk>"
SPACE = "\u2581"  # the Metaspace replacement character
WORD_SCORE, CHAR_SCORE = -1.0, -2.0

# ----------------------------------------------------------------------------------------------------------
# Tokenizer: Metaspace (spaces become "▁", one is put in front) + Unigram whose pieces are whole words with
# their leading "▁" and single characters. Every word piece starts with "▁" and holds no other "▁", so the
# best (Viterbi) segmentation of each "▁word" chunk is unique: the longest word piece it starts with, then one
# piece per remaining character. encode() below reproduces exactly what the JS tokenizer does.


def first_sentence(text: str) -> str:
    return re.split(r"(?<=[.!?])\s+", text.strip())[0]


def chunks(text: str) -> list[str]:
    s = text.replace(" ", SPACE)
    if not s.startswith(SPACE):
        s = SPACE + s
    return re.findall(SPACE + "[^" + SPACE + "]*", s)


def build_vocab(texts: list[str]) -> tuple[list[tuple[str, float]], dict[str, int]]:
    words = sorted({c for t in texts for c in chunks(t) if len(c) > 1})
    letters = sorted({ch for t in texts for ch in t if ch != " "}
                     | set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,;:!?'\"()-%=+/")
                     | {SPACE})
    pieces = [(BOS, 0.0), (PAD, 0.0), (EOS, 0.0), (UNK, 0.0)]
    pieces += [(w, WORD_SCORE) for w in words] + [(c, CHAR_SCORE) for c in letters]
    pieces += [(f"__{lang}__", 0.0) for lang in LANGS]
    ids = {p: i for i, (p, _) in enumerate(pieces)}
    if len(ids) != len(pieces):
        sys.exit("duplicate tokenizer pieces")
    return pieces, ids


def encode(text: str, ids: dict[str, int]) -> list[int]:
    out: list[int] = []
    for chunk in chunks(text):
        end = len(chunk)
        while end > 1 and chunk[:end] not in ids:
            end -= 1
        head = chunk[:end] if end > 1 else chunk[0]
        out.append(ids[head])
        for ch in chunk[len(head):]:
            if ch not in ids:
                sys.exit(f"character {ch!r} is not in the fixture vocabulary")
            out.append(ids[ch])
    return out


def tokenizer_json(pieces: list[tuple[str, float]], ids: dict[str, int]) -> dict:
    specials = [BOS, PAD, EOS, UNK] + [f"__{lang}__" for lang in LANGS]

    def template(pair: bool) -> list:  # __en__ A [B] </s>: M2M100 puts the source language first, </s> last
        seq = [{"SpecialToken": {"id": f"__{SOURCE}__", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}]
        if pair:
            seq.append({"Sequence": {"id": "B", "type_id": 0}})
        return seq + [{"SpecialToken": {"id": EOS, "type_id": 0}}]

    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [
            {"id": ids[t], "content": t, "single_word": False, "lstrip": False, "rstrip": False,
             "normalized": False, "special": True}
            for t in specials
        ],
        "normalizer": None,
        "pre_tokenizer": {"type": "Metaspace", "replacement": SPACE, "prepend_scheme": "always", "split": True},
        # the translation pipeline replaces the language token of "single" with __<src_lang>__
        "post_processor": {
            "type": "TemplateProcessing",
            "single": template(False),
            "pair": template(True),
            "special_tokens": {
                t: {"id": t, "ids": [ids[t]], "tokens": [t]} for t in [EOS] + [f"__{lang}__" for lang in LANGS]
            },
        },
        "decoder": {"type": "Metaspace", "replacement": SPACE, "prepend_scheme": "always", "split": True},
        "model": {"type": "Unigram", "unk_id": ids[UNK], "byte_fallback": False,
                  "vocab": [[p, s] for p, s in pieces]},
    }


# ----------------------------------------------------------------------------------------------------------
# Model: pre-LayerNorm encoder-decoder like M2M100 (scaled shared embeddings, sinusoidal positions offset by 2,
# ReLU feed-forward, final LayerNorms, LM head tied to the embeddings), tiny.


def sinusoids(positions: torch.Tensor, d: int) -> torch.Tensor:
    half = d // 2
    freq = torch.exp(torch.arange(half, dtype=torch.float32) * -(math.log(10000.0) / (half - 1)))
    angles = positions.to(torch.float32)[:, None] * freq[None, :]
    return torch.cat([torch.sin(angles), torch.cos(angles)], dim=-1)


POSITION_OFFSET = 2  # M2M100: padding_idx + 1


class Attention(nn.Module):
    def __init__(self, d: int, heads: int):
        super().__init__()
        self.heads, self.hd = heads, d // heads
        self.q = nn.Linear(d, d)
        self.k = nn.Linear(d, d)
        self.v = nn.Linear(d, d)
        self.o = nn.Linear(d, d)

    def split(self, x):
        b, s, _ = x.shape
        return x.view(b, s, self.heads, self.hd).transpose(1, 2)

    def attend(self, q, k, v, bias):
        att = torch.softmax(q @ k.transpose(-1, -2) / (self.hd ** 0.5) + bias, dim=-1)
        h = att @ v
        b, _, s, _ = h.shape
        return self.o(h.transpose(1, 2).reshape(b, s, self.heads * self.hd))


class FeedForward(nn.Module):
    def __init__(self, d: int, ff: int):
        super().__init__()
        self.fc1 = nn.Linear(d, ff)
        self.fc2 = nn.Linear(ff, d)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


class EncoderLayer(nn.Module):
    def __init__(self, d: int, heads: int, ff: int):
        super().__init__()
        self.ln1, self.attn = nn.LayerNorm(d), Attention(d, heads)
        self.ln2, self.ff = nn.LayerNorm(d), FeedForward(d, ff)

    def forward(self, x, bias):
        h = self.ln1(x)
        x = x + self.attn.attend(self.attn.split(self.attn.q(h)), self.attn.split(self.attn.k(h)),
                                 self.attn.split(self.attn.v(h)), bias)
        return x + self.ff(self.ln2(x))


@torch.jit.script
def cached_or_fresh(use_cache_branch: torch.Tensor, cached: torch.Tensor, fresh: torch.Tensor) -> torch.Tensor:
    """Exported as an ONNX If, like the branches of Optimum's merged decoders."""
    if bool(use_cache_branch[0]):
        return cached
    return fresh


class DecoderLayer(nn.Module):
    def __init__(self, d: int, heads: int, ff: int):
        super().__init__()
        self.ln1, self.self_attn = nn.LayerNorm(d), Attention(d, heads)
        self.ln2, self.cross_attn = nn.LayerNorm(d), Attention(d, heads)
        self.ln3, self.ff = nn.LayerNorm(d), FeedForward(d, ff)

    def forward(self, x, self_bias, past_k, past_v, enc_h, enc_bias, cached_k, cached_v, use_cache_branch):
        sa = self.self_attn
        h = self.ln1(x)
        k = torch.cat([past_k, sa.split(sa.k(h))], dim=2)
        v = torch.cat([past_v, sa.split(sa.v(h))], dim=2)
        x = x + sa.attend(sa.split(sa.q(h)), k, v, self_bias)
        ca = self.cross_attn
        fresh_k, fresh_v = ca.split(ca.k(enc_h)), ca.split(ca.v(enc_h))
        if use_cache_branch is None:  # training: no cache
            ck, cv = fresh_k, fresh_v
        else:
            ck = cached_or_fresh(use_cache_branch, cached_k, fresh_k)
            cv = cached_or_fresh(use_cache_branch, cached_v, fresh_v)
        x = x + ca.attend(ca.split(ca.q(self.ln2(x))), ck, cv, enc_bias)
        return x + self.ff(self.ln3(x)), k, v, ck, cv


class TinyM2M100(nn.Module):
    def __init__(self, vocab: int, d: int, heads: int, ff: int, enc_layers: int, dec_layers: int):
        super().__init__()
        self.d, self.heads = d, heads
        self.embed = nn.Embedding(vocab, d)
        self.enc = nn.ModuleList(EncoderLayer(d, heads, ff) for _ in range(enc_layers))
        self.enc_ln = nn.LayerNorm(d)
        self.dec = nn.ModuleList(DecoderLayer(d, heads, ff) for _ in range(dec_layers))
        self.dec_ln = nn.LayerNorm(d)

    def embed_at(self, ids, start):
        pos = torch.arange(ids.shape[1]) + start + POSITION_OFFSET
        return self.embed(ids) * (self.d ** 0.5) + sinusoids(pos, self.d)[None]

    def encode(self, input_ids, attention_mask):
        x = self.embed_at(input_ids, 0)
        bias = (1.0 - attention_mask[:, None, None, :].to(torch.float32)) * -1e9
        for layer in self.enc:
            x = layer(x, bias)
        return self.enc_ln(x)

    def decode(self, input_ids, encoder_hidden_states, encoder_attention_mask, past, use_cache_branch):
        """past: per layer (self k, self v, cross k, cross v). Returns logits and the presents, same order."""
        s = input_ids.shape[1]
        past_len = past[0][0].shape[2]
        x = self.embed_at(input_ids, past_len)
        key_pos = torch.arange(past_len + s)
        q_pos = torch.arange(s) + past_len
        self_bias = (key_pos[None, :] > q_pos[:, None]).to(torch.float32)[None, None] * -1e9
        enc_bias = (1.0 - encoder_attention_mask[:, None, None, :].to(torch.float32)) * -1e9
        presents = []
        for layer, (pk, pv, ck, cv) in zip(self.dec, past):
            x, k, v, ck, cv = layer(x, self_bias, pk, pv, encoder_hidden_states, enc_bias, ck, cv, use_cache_branch)
            presents.append((k, v, ck, cv))
        return self.dec_ln(x) @ self.embed.weight.t(), presents

    def empty_past(self, batch: int):
        e = torch.zeros(batch, self.heads, 0, self.d // self.heads)
        return [(e, e, e, e) for _ in self.dec]


class EncoderExport(nn.Module):
    def __init__(self, m: TinyM2M100):
        super().__init__()
        self.m = m

    def forward(self, input_ids, attention_mask):
        return self.m.encode(input_ids, attention_mask)


class DecoderExport(nn.Module):
    """The merged decoder's ONNX signature (input and output names in dec_names())."""

    def __init__(self, m: TinyM2M100):
        super().__init__()
        self.m = m

    def forward(self, encoder_attention_mask, input_ids, encoder_hidden_states, *rest):
        *flat, use_cache_branch = rest
        past = [tuple(flat[4 * i:4 * i + 4]) for i in range(len(self.m.dec))]
        logits, presents = self.m.decode(input_ids, encoder_hidden_states, encoder_attention_mask, past,
                                         use_cache_branch)
        return (logits, *[t for p in presents for t in p])


def dec_names(layers: int):
    names_in = ["encoder_attention_mask", "input_ids", "encoder_hidden_states"]
    names_out = ["logits"]
    axes = {"encoder_attention_mask": {0: "batch_size", 1: "encoder_sequence_length"},
            "input_ids": {0: "batch_size", 1: "decoder_sequence_length"},
            "encoder_hidden_states": {0: "batch_size", 1: "encoder_sequence_length"},
            "logits": {0: "batch_size", 1: "decoder_sequence_length"}}
    for i in range(layers):
        for part, length in (("decoder", "past_decoder_sequence_length"), ("encoder", "encoder_sequence_length_out")):
            for kind in ("key", "value"):
                names_in.append(f"past_key_values.{i}.{part}.{kind}")
                names_out.append(f"present.{i}.{part}.{kind}")
                axes[f"past_key_values.{i}.{part}.{kind}"] = {0: "batch_size", 2: length}
                axes[f"present.{i}.{part}.{kind}"] = {
                    0: "batch_size", 2: "past_decoder_sequence_length + 1" if part == "decoder" else length}
    names_in.append("use_cache_branch")
    return names_in, names_out, axes


# ----------------------------------------------------------------------------------------------------------


def examples(entries: list[dict]) -> list[dict]:
    by_id: dict[str, dict[str, dict]] = {}
    for e in entries:
        by_id.setdefault(e["id"], {})[e["lang"]] = e
    out = []
    for entry_id in ENTRIES:
        versions = by_id.get(entry_id, {})
        if not all(lang in versions for lang in [SOURCE, *TARGETS]):
            sys.exit(f"entry {entry_id} is missing in one of {[SOURCE, *TARGETS]}")
        for tgt in TARGETS:
            for field in ("title", "summary"):
                src_text, tgt_text = versions[SOURCE][field], versions[tgt][field]
                if field == "summary":
                    src_text, tgt_text = first_sentence(src_text), first_sentence(tgt_text)
                out.append({"entry": entry_id, "field": field, "from": SOURCE, "to": tgt,
                            "source": src_text, "translation": tgt_text})
    return out


def greedy(model: TinyM2M100, src: list[int], tgt_lang: int, max_new: int) -> list[int]:
    """Decodes as transformers.js does: start </s>, forced language token, one token per step with the caches."""
    ids = torch.tensor([src])
    mask = torch.ones_like(ids)
    with torch.no_grad():
        enc = model.encode(ids, mask)
        past, flag, seq, out = model.empty_past(1), torch.tensor([False]), [2], []
        for step in range(max_new):
            logits, past = model.decode(torch.tensor([seq]), enc, mask, past, flag)
            nxt = tgt_lang if step == 0 else int(logits[0, -1].argmax())
            out.append(nxt)
            if nxt == 2:
                break
            seq, flag = [nxt], torch.tensor([True])
    return out


def main() -> None:
    entries = fixtures.read_entries()
    pairs = examples(entries)
    texts = [p["source"] for p in pairs] + [p["translation"] for p in pairs]
    pieces, ids = build_vocab(texts)
    eos, pad = ids[EOS], ids[PAD]
    d, heads, ff, layers = 64, 4, 128, 2

    srcs = [[ids[f"__{p['from']}__"]] + encode(p["source"], ids) + [eos] for p in pairs]
    tgts = [[ids[f"__{p['to']}__"]] + encode(p["translation"], ids) + [eos] for p in pairs]
    ws, wt = max(map(len, srcs)), max(map(len, tgts))
    src = torch.tensor([s + [pad] * (ws - len(s)) for s in srcs])
    src_mask = (src != pad).to(torch.int64)
    dec_in = torch.tensor([[eos] + t[:-1] + [pad] * (wt - len(t)) for t in tgts])
    # the first target token (the language) is forced at generation time and cannot be told from the input
    labels = torch.tensor([[-100] + t[1:] + [-100] * (wt - len(t)) for t in tgts])

    model = TinyM2M100(len(pieces), d, heads, ff, layers, layers)
    g = torch.Generator().manual_seed(SEED + 1)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, (nn.Linear, nn.Embedding)):
                module.weight.copy_(0.05 * torch.randn(module.weight.shape, generator=g))
            if isinstance(module, nn.Linear):
                module.bias.zero_()
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    model.train()
    for step in range(1000):
        enc = model.encode(src, src_mask)
        logits, _ = model.decode(dec_in, enc, src_mask, model.empty_past(len(pairs)), None)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1),
                                                 ignore_index=-100)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 100 == 0:
            print(f"  step {step} loss {loss.item():.4f}", flush=True)
        if loss.item() < 0.003:
            break
    model.eval()
    print(f"tiny-m2m100: vocab {len(pieces)}, {len(pairs)} pairs, {step + 1} steps, loss {loss.item():.4f}")

    for p, s, t in zip(pairs, srcs, tgts):
        got = greedy(model, s, t[0], len(t) + 5)
        if got != t:
            sys.exit(f"tiny-m2m100 sanity check failed: {p['source']!r} -> {p['to']} does not decode to "
                     f"{p['translation']!r}")

    OUT.mkdir(parents=True, exist_ok=True)
    fixtures.write_json(OUT / "tokenizer.json", tokenizer_json(pieces, ids))
    fixtures.write_json(OUT / "tokenizer_config.json", {
        "tokenizer_class": "M2M100Tokenizer", "model_max_length": 1024, "clean_up_tokenization_spaces": False,
        "bos_token": BOS, "eos_token": EOS, "sep_token": EOS, "pad_token": PAD, "unk_token": UNK,
        "src_lang": SOURCE, "tgt_lang": None,
        "additional_special_tokens": [f"__{lang}__" for lang in LANGS],
    })
    fixtures.write_json(OUT / "config.json", {
        "architectures": ["M2M100ForConditionalGeneration"], "model_type": "m2m_100", "is_encoder_decoder": True,
        "vocab_size": len(pieces), "d_model": d, "encoder_layers": layers, "decoder_layers": layers,
        "encoder_attention_heads": heads, "decoder_attention_heads": heads, "encoder_ffn_dim": ff,
        "decoder_ffn_dim": ff, "activation_function": "relu", "max_position_embeddings": 1024,
        "scale_embedding": True, "bos_token_id": ids[BOS], "pad_token_id": pad, "eos_token_id": eos,
        "decoder_start_token_id": eos, "use_cache": True,
        "baraza_fixture": "trained for seconds to memorise a few en->sw/fr translations; not a real model",
    })
    fixtures.write_json(OUT / "generation_config.json", {
        "bos_token_id": ids[BOS], "decoder_start_token_id": eos, "eos_token_id": eos, "pad_token_id": pad,
        "max_length": 200, "do_sample": False,
    })
    fixtures.write_json(OUT / "fixture_examples.json", pairs)

    t_ids = torch.tensor([srcs[0]])
    fixtures.export(EncoderExport(model), (t_ids, torch.ones_like(t_ids)), OUT / "onnx" / "encoder_model.onnx",
                    ["input_ids", "attention_mask"], ["last_hidden_state"],
                    {"input_ids": {0: "batch_size", 1: "encoder_sequence_length"},
                     "attention_mask": {0: "batch_size", 1: "encoder_sequence_length"},
                     "last_hidden_state": {0: "batch_size", 1: "encoder_sequence_length"}})
    # traced with non-empty caches so that their lengths stay symbolic
    hd = d // heads
    enc_len, past_len = len(srcs[0]), 3
    t_past = []
    for _ in range(layers):
        t_past += [torch.zeros(1, heads, past_len, hd)] * 2 + [torch.zeros(1, heads, enc_len, hd)] * 2
    names_in, names_out, axes = dec_names(layers)
    fixtures.export(DecoderExport(model),
                    (torch.ones(1, enc_len, dtype=torch.int64), torch.tensor([[ids[f"__{TARGETS[0]}__"]]]),
                     torch.zeros(1, enc_len, d), *t_past, torch.tensor([True])),
                    OUT / "onnx" / "decoder_model_merged.onnx", names_in, names_out, axes)
    total = sum(f.stat().st_size for f in OUT.rglob("*") if f.is_file())
    print(f"wrote {OUT.relative_to(ROOT)} ({total / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
