using MLNet.DeepText.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MLNet.DeepText.Models;

/// <summary>How the long-document classifier reads a document.</summary>
public enum LongDocumentMode
{
    /// <summary>Chunks encoded locally, then a global stage over the chunk vectors: reads the whole document (up to MaxChunks chunks).</summary>
    Hierarchical,
    /// <summary>The fast baseline: one encoder pass over the first and last tokens (head+tail truncation, Sun et al. 2019).</summary>
    HeadTail,
}

/// <summary>Architecture of <see cref="LongDocumentClassifier"/>.</summary>
public sealed record LongDocumentSpec(
    int VocabularySize,
    int NumberOfClasses,
    LongDocumentMode Mode = LongDocumentMode.Hierarchical,
    int ChunkTokens = 256,
    int ChunkOverlap = 0,
    int MaxChunks = 200,
    int TrainChunksPerDocument = 16,
    int HeadTailTokens = 512,
    int EmbeddingSize = 128,
    int Width = 128,
    int Heads = 4,
    double MlpRatio = 2.0,
    int LocalLayers = 2,
    int GlobalLayers = 1,
    bool ConvolutionalTokenizer = true,
    double Dropout = 0.1,
    double AttentionDropout = 0.1,
    double StochasticDepth = 0.1,
    bool FreezeEmbeddings = false,
    int BagOfWordsSize = 0) : ClassifierSpec(VocabularySize, NumberOfClasses)
{
    public override TextClassifier Build() => new LongDocumentClassifier(this);

    /// <summary>Tokens between the starts of two consecutive chunks.</summary>
    public int ChunkStride => ChunkTokens - ChunkOverlap;

    /// <summary>The most tokens of a document the model reads: MaxChunks chunks, or HeadTailTokens in head+tail mode.</summary>
    public int DocumentTokens => Mode == LongDocumentMode.HeadTail ? HeadTailTokens : (MaxChunks - 1) * ChunkStride + ChunkTokens;

    /// <summary>The local encoder: a compact transformer over one chunk (or the head+tail text), without a head.</summary>
    internal CompactTransformerSpec LocalSpec => new(VocabularySize, 0, Mode == LongDocumentMode.HeadTail ? HeadTailTokens : ChunkTokens,
        EmbeddingSize, Width, LocalLayers, Heads, MlpRatio,
        ConvolutionalTokenizer ? CompactTokenizerKind.Convolution : CompactTokenizerKind.Patch, ConvolutionalTokenizer ? 3 : 1,
        CompactReadout.SequencePooling, PositionalEncodingKind.Sinusoidal, Dropout, Dropout, AttentionDropout, StochasticDepth, FreezeEmbeddings);
}

/// <summary>
/// Hierarchical classifier for long documents (thousands to tens of thousands of tokens) in memory and time linear
/// in the document's length: cheap attention inside chunks, full attention only over the chunk summaries (in the
/// spirit of MASFormer's few full-attention layers; ToBERT-style hierarchical encoding).
/// <list type="number">
/// <item>Chunking: the token sequence is cut into chunks of <c>ChunkTokens</c> (consecutive chunks may overlap by
/// <c>ChunkOverlap</c>). Chunks that add no real token are skipped.</item>
/// <item>Training samples at most <c>TrainChunksPerDocument</c> of a document's chunks (a fresh random subset each time,
/// kept in document order), so the cost per document is bounded and every epoch sees other parts of long documents
/// (augmentation, like BERT+Random). Inference reads every chunk; the text encoder has already kept the head and tail
/// tokens of documents longer than <c>MaxChunks</c> chunks.</item>
/// <item>Local encoder, shared by all chunks: a compact transformer (convolutional tokenizer that halves the positions,
/// <c>LocalLayers</c> pre-norm blocks with full attention inside the chunk, masked sequence pooling) turns each chunk
/// into one vector. Attention cost: chunks × (ChunkTokens/2)², linear in the document's length.</item>
/// <item>Global stage: each chunk vector gets the sinusoidal encoding of its chunk index in the document; then
/// <c>GlobalLayers</c> blocks of full attention over the chunk vectors (at most MaxChunks of them), a final LayerNorm,
/// masked sequence pooling, dropout and a linear head.</item>
/// </list>
/// In head+tail mode the document is the first and last tokens (the encoder's head+tail truncation to
/// <c>HeadTailTokens</c>) and the local encoder's vector goes straight to the head.
/// With <c>BagOfWordsSize</c> &gt; 0 a side path (fastText-style: the mean of a separate table of word vectors over every
/// token read, sampled chunks or not) is concatenated to the document vector before the head: a bag-of-words model and
/// the attention model fused, trained together.
/// </summary>
public sealed class LongDocumentClassifier : TextClassifier
{
    /// <summary>Chunks encoded per local-encoder call at inference, so that memory does not grow with the document.</summary>
    public const int InferenceChunkGroup = 256;

    private readonly LongDocumentSpec _spec;
    private readonly CompactTransformerClassifier local;
    private readonly ModuleList<CompactBlock> global;
    private readonly LayerNorm globalNorm;
    private readonly Pooling globalPooling;
    private readonly Embedding? bag;
    private readonly FastDropout headDropout;
    private readonly Linear head;

    public LongDocumentClassifier(LongDocumentSpec spec) : base(nameof(LongDocumentClassifier))
    {
        _spec = spec;
        local = new CompactTransformerClassifier(spec.LocalSpec);
        int mlpSize = (int)Math.Round(spec.Width * spec.MlpRatio);
        global = new ModuleList<CompactBlock>(Enumerable.Range(0, spec.GlobalLayers)
            .Select(_ => new CompactBlock(spec.Width, spec.Heads, mlpSize, spec.Dropout, spec.AttentionDropout, dropPath: 0)).ToArray());
        globalNorm = LayerNorm(spec.Width);
        globalPooling = new Pooling(PoolingKind.Sequence, spec.Width);
        if (spec.BagOfWordsSize > 0) bag = Embedding(spec.VocabularySize, spec.BagOfWordsSize, padding_idx: 0);
        headDropout = new FastDropout(spec.Dropout);
        head = Linear(spec.Width + spec.BagOfWordsSize, spec.NumberOfClasses);
        RegisterComponents();
    }

    /// <summary>Chunks the local encoder read in the last forward pass (all batch rows together).</summary>
    public long LastLocalChunks { get; private set; }

    public override void SetEmbeddings(Tensor vectors) => local.SetEmbeddings(vectors);

    /// <summary>The chunk encoder shared by all chunks (for masked-token pretraining).</summary>
    internal CompactTransformerClassifier LocalEncoder => local;

    public override Tensor forward(Tensor ids, Tensor paddingMask) => head.forward(headDropout.forward(Embed(ids, paddingMask)));

    /// <summary>The document vector: the attention path's, followed by the bag-of-words path's when there is one.</summary>
    public override Tensor Embed(Tensor ids, Tensor paddingMask)
    {
        var document = Encode(ids, paddingMask);
        if (bag is null) return document;
        var weights = paddingMask.unsqueeze(-1).to_type(document.dtype);
        var mean = bag.forward(ids).mul(weights).sum(1).div(weights.sum(1).clamp_min(1.0));
        return cat([document, mean], -1);
    }

    private Tensor Encode(Tensor ids, Tensor paddingMask)
    {
        if (_spec.Mode == LongDocumentMode.HeadTail)
        {
            LastLocalChunks = ids.shape[0];
            return local.Embed(ids, paddingMask);
        }

        // 1. Chunks [B, K, C] and which of them are needed: those with real tokens that the previous chunk does not hold
        //    (so a document reads the same chunks whatever padding its batch adds).
        var (chunks, chunkMask) = Chunk(ids, paddingMask);
        var real = chunkMask.narrow(2, _spec.ChunkOverlap, _spec.ChunkStride).any(-1);  // [B, K]
        real[TensorIndex.Colon, 0] = chunkMask.select(1, 0).any(-1);
        long batch = chunks.shape[0];

        // 2. Which chunks to read: a bounded ordered sample per document while training, all of them otherwise.
        var index = training && chunks.shape[1] > _spec.TrainChunksPerDocument
            ? SampleChunks(real, _spec.TrainChunksPerDocument)                          // [B, S]
            : arange(chunks.shape[1], device: ids.device).expand(batch, -1);            // [B, K]
        long perDocument = index.shape[1];
        real = real.gather(1, index);
        var selected = chunks.gather(1, index.unsqueeze(-1).expand(-1, -1, _spec.ChunkTokens));
        var selectedMask = chunkMask.gather(1, index.unsqueeze(-1).expand(-1, -1, _spec.ChunkTokens));

        // 3. Local encoder over the real chunks only; their vectors go back to their [B, S] slots.
        var rows = real.flatten().nonzero().squeeze(-1);                                // [n]
        var vectors = EncodeChunks(selected.flatten(0, 1).index_select(0, rows), selectedMask.flatten(0, 1).index_select(0, rows));
        var z = zeros(batch * perDocument, _spec.Width, dtype: vectors.dtype, device: ids.device)
            .index_copy(0, rows, vectors).view(batch, perDocument, _spec.Width);        // [B, S, D]
        LastLocalChunks = rows.shape[0];

        // 4. Global stage over the chunk vectors, each with the position of its chunk in the document.
        z = z.add(CompactTransformerClassifier.Sinusoid(index, _spec.Width).mul(real.unsqueeze(-1)));
        var attentionMask = AttentionMasks.KeyPadding(real);
        foreach (var block in global) z = block.forward(z, attentionMask);
        return globalPooling.forward(globalNorm.forward(z), real);
    }

    /// <summary>[B, T] ids and mask → [B, K, C] chunks starting every ChunkStride tokens (the end zero-padded to a whole chunk).</summary>
    private (Tensor Chunks, Tensor Mask) Chunk(Tensor ids, Tensor paddingMask)
    {
        int size = _spec.ChunkTokens, stride = _spec.ChunkStride;
        long length = ids.shape[1];
        long count = length <= size ? 1 : (length - size + stride - 1) / stride + 1;
        long padded = (count - 1) * stride + size;
        if (padded > length)
        {
            ids = functional.pad(ids, [0, padded - length]);
            paddingMask = functional.pad(paddingMask, [0, padded - length]);
        }
        return (ids.unfold(1, size, stride), paddingMask.unfold(1, size, stride));
    }

    /// <summary>
    /// For each row of <paramref name="real"/> ([B, K], true = chunk holds text), <paramref name="count"/> distinct chunk
    /// indices in increasing order, chosen uniformly among the real chunks (padding chunks only when a document has
    /// fewer real chunks than <paramref name="count"/>). Uses torch's generator.
    /// </summary>
    internal static Tensor SampleChunks(Tensor real, int count)
    {
        var keys = TorchRandom.Uniform(real.shape, ScalarType.Float32, real.device).add(real.logical_not().to_type(ScalarType.Float32));   // real in [0, 1), padding in [1, 2)
        return keys.topk(count, dim: 1, largest: false).indexes.sort(dim: 1).Values;
    }

    /// <summary>Pooled vectors of [n, C] chunks; at inference in groups, each in its own dispose scope, so memory stays bounded.</summary>
    private Tensor EncodeChunks(Tensor chunks, Tensor mask)
    {
        if (training || chunks.shape[0] <= InferenceChunkGroup) return local.Embed(chunks, mask);
        var parts = new List<Tensor>();
        for (long start = 0; start < chunks.shape[0]; start += InferenceChunkGroup)
        {
            using var scope = NewDisposeScope();
            long n = Math.Min(InferenceChunkGroup, chunks.shape[0] - start);
            parts.Add(scope.MoveToOuter(local.Embed(chunks.narrow(0, start, n), mask.narrow(0, start, n))));
        }
        return cat(parts, 0);
    }
}
