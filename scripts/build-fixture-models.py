#!/usr/bin/python3
"""Build the tiny fixture models used by the model-path tests.

Writes, in the hub layout that @huggingface/transformers reads from MODELS_DIR:

  tests/fixtures/models/baraza-fixtures/tiny-bert/   2-layer BERT-style encoder (feature extraction)
  tests/fixtures/models/baraza-fixtures/tiny-gpt2/   2-layer GPT-2-style decoder (text generation, with KV cache)

each with config.json, tokenizer.json (hand-written WordPiece), tokenizer_config.json and onnx/model.onnx
(fp32, the file transformers.js loads for dtype "fp32"); the decoder also has generation_config.json.

Run with Debian's torch and onnx (apt-get install python3-torch python3-onnx):

  /usr/bin/python3 scripts/build-fixture-models.py

Deterministic: fixed seeds, one thread, sorted vocabularies, so the same inputs give the same files.

The encoder is not trained. Its token embeddings are random and near-orthogonal, except that a small
bilingual lexicon (maize = mahindi = mais, ...) shares one vector per concept, and its attention and
feed-forward weights are tiny, so a sentence vector is close to the mean of its words' vectors: texts
that share content words (or lexicon concepts, across en/sw/fr) score higher than unrelated ones;
function words and punctuation have zero vectors and count for nothing, and the character pieces of
unknown words have short vectors and count for little.

The decoder is trained for a few seconds to memorise extractive condensations (the first sentence of an
entry's summary) of a handful of pack entries, prompted with prompts/condense.<lang>.txt, so greedy
generation on those prompts gives a faithful short answer, and anything else gives noise that the
runtime's faithfulness guard must reject.
"""

import json
import os
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PACKS = ROOT / "packs"
PROMPTS = ROOT / "prompts"
OUT = ROOT / "tests" / "fixtures" / "models" / "baraza-fixtures"

SEED = 20240611
torch.manual_seed(SEED)
torch.set_num_threads(1)  # with OPENBLAS_NUM_THREADS=1 (set above) results do not depend on the machine's cores
torch.use_deterministic_algorithms(True)

# ----------------------------------------------------------------------------------------------------------
# Text handling that mirrors the tokenizer.json below (BertNormalizer + BertPreTokenizer + WordPiece).


def normalise(text: str) -> str:
    text = "".join(" " if ch in "\t\n\r" else ch for ch in text)
    text = "".join(ch for ch in text if not unicodedata.category(ch).startswith("C"))
    text = unicodedata.normalize("NFD", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return text.lower()


def is_punct(ch: str) -> bool:
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def pre_tokenize(text: str) -> list[str]:
    words: list[str] = []
    for chunk in normalise(text).split():
        cur = ""
        for ch in chunk:
            if is_punct(ch):
                if cur:
                    words.append(cur)
                    cur = ""
                words.append(ch)
            else:
                cur += ch
        if cur:
            words.append(cur)
    return words


def read_entries() -> list[dict]:
    """Pack entries as {id, lang, title, summary, body} (front matter read with a small parser)."""
    entries = []
    for path in sorted(PACKS.glob("*/entries/*.md")):
        raw = path.read_text(encoding="utf-8")
        m = re.match(r"^---\n(.*?)\n---\n(.*)$", raw, re.S)
        if not m:
            continue
        meta: dict[str, str] = {}
        for line in m.group(1).splitlines():
            kv = re.match(r"^(\w+):\s*(.*)$", line)
            if kv:
                value = kv.group(2).strip()
                if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                    value = value[1:-1]
                meta[kv.group(1)] = value
        entries.append({
            "id": meta.get("id", path.stem), "lang": meta.get("lang", ""), "title": meta.get("title", ""),
            "summary": meta.get("summary", ""), "body": m.group(2),
        })
    return entries


def wordpiece_tokenizer_json(vocab: dict[str, int], specials: list[str], post_processor) -> dict:
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [
            {"id": vocab[t], "content": t, "single_word": False, "lstrip": False, "rstrip": False,
             "normalized": False, "special": True}
            for t in specials
        ],
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": True, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": post_processor,
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": vocab},
    }


def build_vocab(specials: list[str], words: list[str]) -> dict[str, int]:
    """Specials, then whole words, then every character alone and as a ##continuation (fallback)."""
    chars = sorted({ch for w in words for ch in w})
    tokens = list(specials)
    seen = set(tokens)
    for t in words + chars + ["##" + c for c in chars]:
        if t not in seen:
            seen.add(t)
            tokens.append(t)
    return {t: i for i, t in enumerate(tokens)}


def wordpiece(word: str, vocab: dict[str, int]) -> list[int]:
    if word in vocab:
        return [vocab[word]]
    ids, start = [], 0
    while start < len(word):
        end, found = len(word), None
        while start < end:
            piece = word[start:end] if start == 0 else "##" + word[start:end]
            if piece in vocab:
                found = piece
                break
            end -= 1
        if found is None:
            return [vocab["[UNK]"]]
        ids.append(vocab[found])
        start = end
    return ids


def encode(text: str, vocab: dict[str, int]) -> list[int]:
    return [i for w in pre_tokenize(text) for i in wordpiece(w, vocab)]


def write_json(path: Path, obj) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=1, sort_keys=False) + "\n", encoding="utf-8")


def export(model: nn.Module, args: tuple, path: Path, input_names, output_names, dynamic_axes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    model.eval()
    with torch.no_grad():
        torch.onnx.export(model, args, str(path), input_names=input_names, output_names=output_names,
                          dynamic_axes=dynamic_axes, opset_version=14, do_constant_folding=True)
    import onnx  # checked after writing: a broken graph fails the build, not the tests

    onnx.checker.check_model(onnx.load(str(path)))


# ----------------------------------------------------------------------------------------------------------
# Encoder (BERT-style, post-LayerNorm, mean pooled by the runtime).

# Concepts that share one embedding across en / sw / fr (normalised spelling: accents stripped).
LEXICON = [
    ["maize", "corn", "mahindi", "mais"],
    ["beans", "bean", "maharagwe", "maharage", "haricots", "haricot"],
    ["cassava", "mihogo", "muhogo", "manioc"],
    ["cow", "cows", "cattle", "ngombe", "vache", "vaches"],
    ["chicken", "chickens", "hens", "kuku", "poules", "poulets", "volaille"],
    ["milk", "maziwa", "lait"],
    ["soil", "udongo", "sol"],
    ["fertilizer", "fertiliser", "mbolea", "engrais"],
    ["manure", "samadi", "fumier"],
    ["rain", "rains", "mvua", "pluie", "pluies"],
    ["seed", "seeds", "mbegu", "semences", "graines"],
    ["plant", "panda", "kupanda", "planter", "semer"],
    ["storage", "store", "kuhifadhi", "uhifadhi", "stockage", "stocker"],
    ["savings", "save", "saving", "akiba", "kuweka", "epargne", "epargner"],
    ["loan", "loans", "mkopo", "mikopo", "pret", "prets", "credit"],
    ["interest", "riba", "interet", "interets"],
    ["money", "pesa", "fedha", "argent"],
    ["insurance", "bima", "assurance"],
    ["budget", "bajeti"],
    ["fraud", "ulaghai", "utapeli", "fraude", "arnaque"],
    ["group", "groups", "kikundi", "vikundi", "groupe", "groupes"],
    ["armyworm", "viwavijeshi", "chenille"],
    ["aflatoxin", "aflatoxins", "aflatoxine", "sumu"],
    ["water", "maji", "eau"],
    ["harvest", "mavuno", "kuvuna", "recolte"],
    ["pests", "pest", "wadudu", "ravageurs"],
]


# Function words get a zero embedding, like the special tokens and punctuation: after the embedding
# LayerNorm they stay zero, so a sentence vector is carried by its content words (a crude stop-list).
FUNCTION_WORDS = set(
    "a an the and or of to in on at for from with by is are be it its this that these those you your i my "
    "me we our they their he she do does can if as not no how what when where which who why "
    "ya na wa za la kwa ni si katika kama cha vya kwenye au je wako yako yangu lini nini gani "
    "de la le les l d un une des du au aux et ou en est pour par sur dans avec que qui ne pas votre vos "
    "mon ma mes je tu il elle nous vous ils quand comment quoi".split()
)


class EncoderLayer(nn.Module):
    def __init__(self, d: int, heads: int, ff: int):
        super().__init__()
        self.heads, self.d = heads, d
        self.qkv = nn.Linear(d, 3 * d)
        self.out = nn.Linear(d, d)
        # eps 1.0 instead of BERT's 1e-12 keeps near-zero vectors ([CLS], [SEP], stop words) near zero instead of
        # blowing them up to unit size, so they add no noise to the mean-pooled sentence vector
        self.ln1 = nn.LayerNorm(d, eps=1.0)
        self.ff1 = nn.Linear(d, ff)
        self.ff2 = nn.Linear(ff, d)
        self.ln2 = nn.LayerNorm(d, eps=1.0)

    def forward(self, x, bias):
        b, s, d = x.shape
        hd = d // self.heads
        q, k, v = self.qkv(x).split(d, dim=-1)
        q = q.view(b, s, self.heads, hd).transpose(1, 2)
        k = k.view(b, s, self.heads, hd).transpose(1, 2)
        v = v.view(b, s, self.heads, hd).transpose(1, 2)
        att = torch.softmax(q @ k.transpose(-1, -2) / (hd ** 0.5) + bias, dim=-1)
        h = (att @ v).transpose(1, 2).reshape(b, s, d)
        x = self.ln1(x + self.out(h))
        return self.ln2(x + self.ff2(torch.nn.functional.gelu(self.ff1(x))))


class TinyBert(nn.Module):
    def __init__(self, vocab: int, d: int, layers: int, heads: int, ff: int, positions: int):
        super().__init__()
        self.word = nn.Embedding(vocab, d)
        self.pos = nn.Embedding(positions, d)
        self.token_type = nn.Embedding(2, d)
        self.ln = nn.LayerNorm(d, eps=1.0)
        self.layers = nn.ModuleList(EncoderLayer(d, heads, ff) for _ in range(layers))

    def forward(self, input_ids, attention_mask, token_type_ids):
        s = input_ids.shape[1]
        pos = torch.arange(s, device=input_ids.device).unsqueeze(0)
        x = self.ln(self.word(input_ids) + self.pos(pos) + self.token_type(token_type_ids))
        bias = (1.0 - attention_mask[:, None, None, :].to(torch.float32)) * -10000.0
        for layer in self.layers:
            x = layer(x, bias)
        return x


def build_bert(entries: list[dict]) -> None:
    d, layers, heads, ff, positions = 128, 2, 4, 128, 512
    counts: Counter = Counter()
    for e in entries:
        counts.update(w for w in pre_tokenize(e["title"] + " " + e["summary"] + " " + e["body"])
                      if not (len(w) == 1 and is_punct(w)))
    # the e5-style recipe prefixes ("query: ", "passage: ") are whole words, as in a real vocabulary
    lexicon_words = sorted({w for group in LEXICON for w in group} | {"query", "passage"})
    frequent = sorted((w for w, c in counts.items() if c >= 3), key=lambda w: (-counts[w], w))[:2000]
    words = sorted(set(frequent) | set(lexicon_words))
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    punct = sorted({ch for e in entries for ch in normalise(e["body"]) if is_punct(ch)})
    vocab = build_vocab(specials, words + punct)

    model = TinyBert(len(vocab), d, layers, heads, ff, positions)
    g = torch.Generator().manual_seed(SEED + 1)
    with torch.no_grad():
        model.word.weight.copy_(torch.randn(len(vocab), d, generator=g))
        for group in LEXICON:  # one shared direction per concept, a little noise per word
            base = torch.randn(d, generator=g)
            for w in group:
                model.word.weight[vocab[w]] = base + 0.15 * torch.randn(d, generator=g)
        for t in specials + punct + sorted(FUNCTION_WORDS & set(vocab)):  # no content: zero vectors
            model.word.weight[vocab[t]] = 0.0
        # the recipe prefixes appear in every query / every passage: short and mutually orthogonal, so they
        # make a query and a passage of the same text differ without biasing every score alike
        q, p = model.word.weight[vocab["query"]], model.word.weight[vocab["passage"]]
        p -= (p @ q) / (q @ q) * q
        q *= 0.3
        p *= 0.3
        for t, i in vocab.items():  # character pieces of unknown words: weak (LayerNorm eps 1.0 keeps scale)
            if len(t.removeprefix("##")) == 1 and not is_punct(t[-1]):
                model.word.weight[i] *= 0.1
        model.pos.weight.zero_()
        model.token_type.weight.zero_()
        for layer in model.layers:
            for lin in (layer.qkv, layer.out, layer.ff1, layer.ff2):
                lin.weight.copy_(0.002 * torch.randn(lin.weight.shape, generator=g))  # layers stay near identity
                lin.bias.zero_()

    out = OUT / "tiny-bert"
    cls, sep = vocab["[CLS]"], vocab["[SEP]"]
    post = {
        "type": "TemplateProcessing",
        "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                   {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
        "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                 {"SpecialToken": {"id": "[SEP]", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}},
                 {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
        "special_tokens": {"[CLS]": {"id": "[CLS]", "ids": [cls], "tokens": ["[CLS]"]},
                           "[SEP]": {"id": "[SEP]", "ids": [sep], "tokens": ["[SEP]"]}},
    }
    write_json(out / "tokenizer.json", wordpiece_tokenizer_json(vocab, specials, post))
    write_json(out / "tokenizer_config.json", {
        "tokenizer_class": "BertTokenizer", "do_lower_case": True, "strip_accents": True,
        "model_max_length": positions, "clean_up_tokenization_spaces": True,
        "cls_token": "[CLS]", "sep_token": "[SEP]", "pad_token": "[PAD]", "unk_token": "[UNK]",
        "mask_token": "[MASK]",
    })
    write_json(out / "config.json", {
        "architectures": ["BertModel"], "model_type": "bert", "vocab_size": len(vocab), "hidden_size": d,
        "num_hidden_layers": layers, "num_attention_heads": heads, "intermediate_size": ff,
        "hidden_act": "gelu", "max_position_embeddings": positions, "type_vocab_size": 2,
        "layer_norm_eps": 1.0, "pad_token_id": vocab["[PAD]"],
        "baraza_fixture": "random seeded weights with a shared-vector lexicon; not a real model",
    })
    ids = torch.tensor([[cls] + encode("plant maize with the rains", vocab) + [sep]])
    export(model, (ids, torch.ones_like(ids), torch.zeros_like(ids)), out / "onnx" / "model.onnx",
           ["input_ids", "attention_mask", "token_type_ids"], ["last_hidden_state"],
           {"input_ids": {0: "batch_size", 1: "sequence_length"},
            "attention_mask": {0: "batch_size", 1: "sequence_length"},
            "token_type_ids": {0: "batch_size", 1: "sequence_length"},
            "last_hidden_state": {0: "batch_size", 1: "sequence_length"}})

    def embed(text: str) -> torch.Tensor:
        t = torch.tensor([[cls] + encode(text, vocab) + [sep]])
        with torch.no_grad():
            h = model(t, torch.ones_like(t), torch.zeros_like(t)).mean(dim=1)[0]
        return h / h.norm()

    q = embed("when to plant mahindi")
    related, unrelated = embed("Plant maize at the start of the rains."), embed("Keep your mobile money PIN secret.")
    if not float(q @ related) > float(q @ unrelated):
        sys.exit("tiny-bert sanity check failed: a shared concept does not outscore an unrelated text")
    print(f"tiny-bert: vocab {len(vocab)}, cos(related)={float(q @ related):.3f} "
          f"cos(unrelated)={float(q @ unrelated):.3f}")


# ----------------------------------------------------------------------------------------------------------
# Decoder (GPT-2-style, pre-LayerNorm, tied LM head, KV cache in the transformers.js/Optimum naming).


class DecoderBlock(nn.Module):
    def __init__(self, d: int, heads: int):
        super().__init__()
        self.heads = heads
        self.ln_1 = nn.LayerNorm(d)
        self.c_attn = nn.Linear(d, 3 * d)
        self.c_proj = nn.Linear(d, d)
        self.ln_2 = nn.LayerNorm(d)
        self.fc = nn.Linear(d, 4 * d)
        self.proj = nn.Linear(4 * d, d)

    def forward(self, x, mask, past_k, past_v):
        b, s, d = x.shape
        hd = d // self.heads
        q, k, v = self.c_attn(self.ln_1(x)).split(d, dim=-1)
        q = q.view(b, s, self.heads, hd).transpose(1, 2)
        k = torch.cat([past_k, k.view(b, s, self.heads, hd).transpose(1, 2)], dim=2)
        v = torch.cat([past_v, v.view(b, s, self.heads, hd).transpose(1, 2)], dim=2)
        scores = (q @ k.transpose(-1, -2)) / (hd ** 0.5)
        scores = scores.masked_fill(~mask, -1e9)
        h = (torch.softmax(scores, dim=-1) @ v).transpose(1, 2).reshape(b, s, d)
        x = x + self.c_proj(h)
        x = x + self.proj(torch.nn.functional.gelu(self.fc(self.ln_2(x))))
        return x, k, v


class TinyGpt2(nn.Module):
    def __init__(self, vocab: int, d: int, layers: int, heads: int, positions: int):
        super().__init__()
        self.wte = nn.Embedding(vocab, d)
        self.wpe = nn.Embedding(positions, d)
        self.h = nn.ModuleList(DecoderBlock(d, heads) for _ in range(layers))
        self.ln_f = nn.LayerNorm(d)
        self.layers, self.heads, self.d = layers, heads, d

    def forward(self, input_ids, attention_mask, position_ids, *past):
        x, presents = self.body(input_ids, attention_mask, position_ids, *past)
        return (x @ self.wte.weight.t(), *presents)

    def body(self, input_ids, attention_mask, position_ids, *past):
        s = input_ids.shape[1]
        total = attention_mask.shape[1]
        key_pos = torch.arange(total, device=input_ids.device)
        q_pos = torch.arange(s, device=input_ids.device) + (total - s)
        causal = key_pos[None, :] <= q_pos[:, None]
        mask = causal[None, None, :, :] & (attention_mask[:, None, None, :] > 0)
        x = self.wte(input_ids) + self.wpe(position_ids.clamp(min=0))
        presents = []
        for i, block in enumerate(self.h):
            x, k, v = block(x, mask, past[2 * i], past[2 * i + 1])
            presents += [k, v]
        return self.ln_f(x), presents


def condense_examples(entries: list[dict]) -> list[dict]:
    """(lang, question, passage, answer): the answer is the passage's first sentence, verbatim."""
    chosen = []
    for e in entries:
        if e["lang"] not in ("en", "sw", "fr") or not e["summary"]:
            continue
        first = re.split(r"(?<=[.!?])\s+", e["summary"].strip())[0]
        if 30 <= len(first) <= 110 and len(e["summary"]) <= 200:
            chosen.append({"lang": e["lang"], "question": e["title"], "passage": e["summary"], "answer": first})
    # a few per language, deterministic: sorted by id within each language
    out = []
    for lang in ("en", "sw", "fr"):
        out += [c for c in chosen if c["lang"] == lang][:3]
    return out


def render(template: str, values: dict) -> str:
    return re.sub(r"\{\{(\w+)\}\}", lambda m: str(values[m.group(1)]), template)


def build_gpt2(entries: list[dict]) -> None:
    d, layers, heads, positions = 64, 2, 4, 512
    hd = d // heads
    examples = condense_examples(entries)
    templates = {lang: (PROMPTS / f"condense.{lang}.txt").read_text(encoding="utf-8") for lang in ("en", "sw", "fr")}
    budgets = [80, 160]
    texts = [render(templates[ex["lang"]], {**ex, "maxChars": b}) for ex in examples for b in budgets]

    counts: Counter = Counter()
    for e in entries:
        counts.update(pre_tokenize(e["title"] + " " + e["summary"]))
    must = {w for t in texts + [ex["answer"] for ex in examples] for w in pre_tokenize(t)}
    frequent = sorted((w for w, c in counts.items() if c >= 4), key=lambda w: (-counts[w], w))[:300]
    specials = ["<|endoftext|>", "[UNK]"]
    vocab = build_vocab(specials, sorted(set(frequent) | must))
    eos = vocab["<|endoftext|>"]

    seqs, loss_masks = [], []
    for ex in examples:
        for b in budgets:
            prompt = encode(render(templates[ex["lang"]], {**ex, "maxChars": b}), vocab)
            answer = encode(ex["answer"], vocab) + [eos]
            seqs.append(prompt + answer)
            loss_masks.append([0] * (len(prompt) - 1) + [1] * len(answer))  # predict only answer tokens
    width = max(len(s) for s in seqs)
    if width > positions:
        sys.exit(f"training sequence longer than {positions} tokens")
    ids = torch.tensor([s + [eos] * (width - len(s)) for s in seqs])
    att = torch.tensor([[1] * len(s) + [0] * (width - len(s)) for s in seqs])
    lm = torch.tensor([m + [0] * (width - 1 - len(m)) for m in loss_masks], dtype=torch.float32)

    model = TinyGpt2(len(vocab), d, layers, heads, positions)
    g = torch.Generator().manual_seed(SEED + 2)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, (nn.Linear, nn.Embedding)):
                module.weight.copy_(0.02 * torch.randn(module.weight.shape, generator=g))
            if isinstance(module, nn.Linear):
                module.bias.zero_()
    selected = lm > 0
    targets = ids[:, 1:][selected]
    pos = torch.arange(width).unsqueeze(0).expand(len(seqs), -1)
    empty = [torch.zeros(len(seqs), heads, 0, hd)] * (2 * layers)
    opt = torch.optim.Adam(model.parameters(), lr=5e-3)
    model.train()
    for step in range(400):
        hidden = model.body(ids, att, pos, *empty)[0][:, :-1][selected]  # only answer positions need logits
        loss = torch.nn.functional.cross_entropy(hidden @ model.wte.weight.t(), targets)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 50 == 0:
            print(f"  step {step} loss {loss.item():.4f}", flush=True)
        if loss.item() < 0.002:
            break
    print(f"tiny-gpt2: vocab {len(vocab)}, {len(seqs)} training prompts, {step + 1} steps, loss {loss.item():.4f}")

    out = OUT / "tiny-gpt2"
    write_json(out / "tokenizer.json", wordpiece_tokenizer_json(vocab, specials, None))
    write_json(out / "tokenizer_config.json", {
        "tokenizer_class": "GPT2Tokenizer", "model_max_length": positions, "clean_up_tokenization_spaces": True,
        "bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>", "pad_token": "<|endoftext|>",
        "unk_token": "[UNK]", "add_bos_token": False,
    })
    write_json(out / "config.json", {
        "architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "vocab_size": len(vocab),
        "n_embd": d, "n_layer": layers, "n_head": heads, "n_positions": positions, "n_ctx": positions,
        "bos_token_id": eos, "eos_token_id": eos, "pad_token_id": eos, "use_cache": True,
        "baraza_fixture": "trained for seconds to memorise a few condensations; not a real model",
    })
    write_json(out / "generation_config.json", {
        "bos_token_id": eos, "eos_token_id": eos, "pad_token_id": eos, "do_sample": False,
    })

    names_in = ["input_ids", "attention_mask", "position_ids"]
    names_out = ["logits"]
    axes = {"input_ids": {0: "batch_size", 1: "sequence_length"},
            "attention_mask": {0: "batch_size", 1: "total_sequence_length"},
            "position_ids": {0: "batch_size", 1: "sequence_length"},
            "logits": {0: "batch_size", 1: "sequence_length"}}
    for i in range(layers):
        for kind in ("key", "value"):
            names_in.append(f"past_key_values.{i}.{kind}")
            names_out.append(f"present.{i}.{kind}")
            axes[f"past_key_values.{i}.{kind}"] = {0: "batch_size", 2: "past_sequence_length"}
            axes[f"present.{i}.{kind}"] = {0: "batch_size", 2: "total_sequence_length"}
    # trace with a non-empty cache so the past length stays symbolic in the graph
    t_ids = torch.tensor([[vocab["plant"], vocab["maize"]]])
    t_past = [torch.zeros(1, heads, 3, hd)] * (2 * layers)
    export(model, (t_ids, torch.ones(1, 5, dtype=torch.int64), torch.tensor([[3, 4]]), *t_past),
           out / "onnx" / "model.onnx", names_in, names_out, axes)

    # the memorised prompts must decode greedily to their answers, with the cache, as the runtime will
    model.eval()
    ex = examples[0]
    prompt = encode(render(templates[ex["lang"]], {**ex, "maxChars": 160}), vocab)
    want = encode(ex["answer"], vocab) + [eos]
    got, past, seq = [], [torch.zeros(1, heads, 0, hd)] * (2 * layers), prompt
    with torch.no_grad():
        total = 0
        for _ in range(len(want)):
            n = len(seq)
            out_ = model(torch.tensor([seq]), torch.ones(1, total + n, dtype=torch.int64),
                         torch.arange(total, total + n).unsqueeze(0), *past)
            nxt = int(out_[0][0, -1].argmax())
            got.append(nxt)
            past, total, seq = list(out_[1:]), total + n, [nxt]
    if got != want:
        sys.exit("tiny-gpt2 sanity check failed: greedy decoding does not reproduce the memorised answer")
    write_json(out / "fixture_examples.json", [
        {"lang": e["lang"], "question": e["question"], "passage": e["passage"], "answer": e["answer"]}
        for e in examples
    ])


def main() -> None:
    entries = read_entries()
    if not entries:
        sys.exit(f"no pack entries under {PACKS}")
    build_bert(entries)
    build_gpt2(entries)
    total = sum(f.stat().st_size for f in OUT.rglob("*") if f.is_file())
    print(f"wrote {OUT.relative_to(ROOT)} ({total / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
