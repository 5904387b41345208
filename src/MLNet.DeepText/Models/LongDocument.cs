using MLNet.DeepText.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MLNet.DeepText.Models;

/// <summary>Architecture of <see cref="LongDocument"/>.</summary>
internal sealed record LongDocumentSpec(
    int VocabularySize,
    LongDocumentMode Mode = LongDocumentMode.Hierarchical,
    int ChunkTokens = 256,
    int ChunkOverlap = 0,
    int MaxChunks = 200,
    int TrainChunksPerDocument = 16,
    int HeadTailTokens = 512,
    int WordVectorSize = 128,
    int Width = 128,
    int NumberOfHeads = 4,
    double MlpRatio = 2.0,
    int NumberOfLayers = 2,
    int NumberOfGlobalLayers = 1,
    bool ConvolutionalTokenizer = true,
    double Dropout = 0.1,
    double AttentionDropout = 0.1,
    double StochasticDepth = 0.1,
    bool FreezeWordVectors = false,
    EncoderSpec? PretrainedChunkEncoder = null,
    int FineTunedChunkLayers = 0) : EncoderSpec(VocabularySize)
{
    public override Encoder Build() => new LongDocument(this);

    /// <summary>The chunk vectors' width: the pretrained chunk encoder's, or <see cref="Width"/>.</summary>
    public override int StateWidth => PretrainedChunkEncoder?.StateWidth ?? Width;

    /// <summary>Tokens between the starts of two consecutive chunks.</summary>
    public int ChunkStride => ChunkTokens - ChunkOverlap;

    /// <summary>The most tokens of a document the model reads: MaxChunks chunks, or HeadTailTokens in head+tail mode.</summary>
    public int DocumentTokens => Mode == LongDocumentMode.HeadTail ? HeadTailTokens : (MaxChunks - 1) * ChunkStride + ChunkTokens;

    /// <summary>The chunk encoder: a compact transformer over one chunk (or over the head+tail text).</summary>
    internal CompactTransformerSpec ChunkSpec => new(VocabularySize,
        MaxTokens: Mode == LongDocumentMode.HeadTail ? HeadTailTokens : ChunkTokens,
        WordVectorSize: WordVectorSize, Width: Width, NumberOfLayers: NumberOfLayers, NumberOfHeads: NumberOfHeads, MlpRatio: MlpRatio,
        Tokenizer: ConvolutionalTokenizer ? CompactTokenizerKind.Convolution : CompactTokenizerKind.Patch, KernelSize: ConvolutionalTokenizer ? 3 : 1,
        WordVectorDropout: Dropout, Dropout: Dropout, AttentionDropout: AttentionDropout, StochasticDepth: StochasticDepth,
        FreezeWordVectors: FreezeWordVectors);
}

/// <summary>
/// Hierarchical encoder for long documents (thousands to tens of thousands of tokens) in memory and time linear
/// in the document's length: cheap attention inside chunks, full attention only over the chunk summaries (in the
/// spirit of MASFormer's few full-attention layers; ToBERT-style hierarchical encoding).
/// <list type="number">
/// <item>Chunking: the token sequence is cut into chunks of <c>ChunkTokens</c> (consecutive chunks may overlap by
/// <c>ChunkOverlap</c>). Chunks that add no real token are skipped.</item>
/// <item>Training samples at most <c>TrainChunksPerDocument</c> of a document's chunks (a fresh random subset each time,
/// kept in document order), so the cost per document is bounded and every epoch sees other parts of long documents
/// (augmentation, like BERT+Random). Inference reads every chunk; the text encoder has already kept the head and tail
/// tokens of documents longer than <c>MaxChunks</c> chunks.</item>
/// <item>Chunk encoder, shared by all chunks: a compact transformer (convolutional tokenizer that halves the positions,
/// <c>NumberOfLayers</c> pre-norm blocks with full attention inside the chunk) and attention pooling turn each
/// chunk into one vector. Attention cost: chunks × (ChunkTokens/2)², linear in the document's length.
/// Or a pretrained encoder (the standard hierarchical recipe over BERT, e.g. Pappagari et al. 2019) with mean
/// pooling, as sentence-transformers pool: frozen (its chunk vectors are then computed once per training run, see
/// <see cref="FrozenVectors"/>) or with its top <c>FineTunedChunkLayers</c> layers learning.</item>
/// <item>Global stage: each chunk vector (a pretrained encoder's layer-normalised first) gets the sinusoidal encoding of
/// its chunk index in the document (when there are global layers to read it); then
/// <c>NumberOfGlobalLayers</c> blocks of full attention over the chunk vectors (at most MaxChunks of them) and a final
/// LayerNorm. The states returned are the chunks' (the classifier pools them).</item>
/// </list>
/// In head+tail mode the document is the first and last tokens (the text encoder's head+tail truncation to
/// <c>HeadTailTokens</c>) and the states returned are the chunk encoder's token states.
/// </summary>
internal sealed class LongDocument : Encoder
{
    /// <summary>Chunks encoded per chunk-encoder call at inference, so that memory does not grow with the document.</summary>
    public const int InferenceChunkGroup = 256;

    private readonly LongDocumentSpec _spec;
    private readonly Encoder chunkEncoder;
    private readonly Pooling chunkPooling;
    private readonly ModuleList<CompactBlock> global;
    private readonly LayerNorm globalNorm;
    private readonly LayerNorm? chunkNorm;

    public LongDocument(LongDocumentSpec spec) : base(nameof(LongDocument))
    {
        _spec = spec;
        chunkEncoder = spec.PretrainedChunkEncoder?.Build() ?? new CompactTransformer(spec.ChunkSpec);
        int width = spec.StateWidth;
        chunkPooling = new Pooling(spec.PretrainedChunkEncoder is null ? PoolingKind.Attention : PoolingKind.Mean, width);
        global = new ModuleList<CompactBlock>(Enumerable.Range(0, spec.NumberOfGlobalLayers)
            .Select(_ => new CompactBlock(width, spec.NumberOfHeads, FeedForward.Size(width, spec.MlpRatio), spec.Dropout, spec.AttentionDropout, dropPath: 0)).ToArray());
        globalNorm = LayerNorm(width);
        // A pretrained encoder's vectors have its own scale, not the one the global stage's positions assume: normalised first.
        if (spec.PretrainedChunkEncoder is not null) chunkNorm = LayerNorm(width);
        RegisterComponents();
        if (spec.PretrainedChunkEncoder is not null) chunkEncoder.Freeze(trainableTopLayers: spec.FineTunedChunkLayers);
    }

    /// <summary>Whether the chunk encoder is a frozen feature extractor (evaluation mode; chunk vectors remembered while training).</summary>
    private bool FrozenChunkEncoder => _spec.PretrainedChunkEncoder is not null && _spec.FineTunedChunkLayers == 0;

    public override Parameter? WordVectors => chunkEncoder.WordVectors;

    /// <summary>The chunk encoder shared by all chunks (masked-token pretraining trains it alone).</summary>
    internal Encoder ChunkEncoder => chunkEncoder;

    /// <summary>The pretrained chunk encoder's layers learn at a tenth of the rate (5e-5 at the default 5e-4: BERT fine-tuning's rate).</summary>
    public override double LearningRateScale(string parameterName) =>
        _spec.PretrainedChunkEncoder is not null && parameterName.StartsWith("chunkEncoder.", StringComparison.Ordinal) ? 0.1 : 1.0;

    /// <inheritdoc />
    public override void train(bool on = true)
    {
        base.train(on);
        if (FrozenChunkEncoder) chunkEncoder.eval();
    }

    public override (Tensor States, Tensor Mask) forward(Tensor ids, Tensor paddingMask)
    {
        if (_spec.Mode == LongDocumentMode.HeadTail)
        {
            ModelTrace.ChunksRead(ids.shape[0]);
            return chunkEncoder.call(ids, paddingMask);
        }

        // 1. Chunks [B, K, C] and which of them are needed: those with real tokens that the previous chunk does not hold
        //    (so a document reads the same chunks whatever padding its batch adds).
        var (chunks, chunkMask) = Chunk(ids, paddingMask);
        var real = chunks.shape[1] == 1
            ? chunkMask.any(-1)                                                           // [B, 1]
            : chunkMask.narrow(2, _spec.ChunkOverlap, _spec.ChunkStride).any(-1);         // [B, K]
        real[TensorIndex.Colon, 0] = chunkMask.select(1, 0).any(-1);
        long batch = chunks.shape[0];

        // 2. Which chunks to read: a bounded ordered sample per document while training, all of them otherwise.
        var index = training && chunks.shape[1] > _spec.TrainChunksPerDocument
            ? SampleChunks(real, _spec.TrainChunksPerDocument)                          // [B, S]
            : arange(chunks.shape[1], device: ids.device).expand(batch, -1);            // [B, K]
        long perDocument = index.shape[1];
        real = real.gather(1, index);
        var selected = chunks.gather(1, index.unsqueeze(-1).expand(-1, -1, chunks.shape[2]));
        var selectedMask = chunkMask.gather(1, index.unsqueeze(-1).expand(-1, -1, chunks.shape[2]));

        // 3. Chunk encoder over the real chunks only; their vectors go back to their [B, S] slots.
        var rows = real.flatten().nonzero().squeeze(-1);                                // [n]
        var vectors = EncodeChunks(selected.flatten(0, 1).index_select(0, rows), selectedMask.flatten(0, 1).index_select(0, rows));
        int width = _spec.StateWidth;
        var z = zeros(batch * perDocument, width, dtype: vectors.dtype, device: ids.device)
            .index_copy(0, rows, vectors).view(batch, perDocument, width);              // [B, S, D]
        ModelTrace.ChunksRead(rows.shape[0]);

        // 4. Global stage over the chunk vectors, each with the position of its chunk in the document (only the global
        //    layers read positions: without them they would only blur the pooled vector).
        if (chunkNorm is not null) z = chunkNorm.forward(z).mul(real.unsqueeze(-1));
        if (global.Count > 0) z = z.add(CompactTransformer.Sinusoid(index, width).mul(real.unsqueeze(-1)));
        var attentionMask = AttentionMasks.KeyPadding(real);
        foreach (var block in global) z = block.forward(z, attentionMask);
        return (globalNorm.forward(z), real);
    }

    /// <summary>[B, T] ids and mask → [B, K, C] chunks starting every ChunkStride tokens (the end zero-padded to a whole chunk; one chunk of T when T ≤ C).</summary>
    private (Tensor Chunks, Tensor Mask) Chunk(Tensor ids, Tensor paddingMask)
    {
        int size = _spec.ChunkTokens, stride = _spec.ChunkStride;
        long length = ids.shape[1];
        // A batch no longer than one chunk is one chunk of its own length: padding it to ChunkTokens would only add work
        // (8× for 30-token texts in chunks of 256) and, the chunk encoder being padding-invariant, change nothing.
        if (length <= size) return (ids.unsqueeze(1), paddingMask.unsqueeze(1));
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
        if (FrozenChunkEncoder) return FrozenVectors.Compute(this, chunks, mask, EncodeChunksInGroups);
        return training ? EncodeChunkGroup(chunks, mask) : EncodeChunksInGroups(chunks, mask);
    }

    private Tensor EncodeChunksInGroups(Tensor chunks, Tensor mask)
    {
        // A pretrained encoder is wider, with more heads and no convolution halving the positions: smaller groups.
        int group = _spec.PretrainedChunkEncoder is null ? InferenceChunkGroup : Math.Max(1, 16_384 / _spec.ChunkTokens);
        if (chunks.shape[0] <= group) return EncodeChunkGroup(chunks, mask);
        var parts = new List<Tensor>();
        for (long start = 0; start < chunks.shape[0]; start += group)
        {
            using var scope = NewDisposeScope();
            long n = Math.Min(group, chunks.shape[0] - start);
            parts.Add(scope.MoveToOuter(EncodeChunkGroup(chunks.narrow(0, start, n), mask.narrow(0, start, n))));
        }
        return cat(parts, 0);
    }

    private Tensor EncodeChunkGroup(Tensor chunks, Tensor mask)
    {
        var (states, statesMask) = chunkEncoder.call(chunks, mask);
        return chunkPooling.forward(states, statesMask);
    }
}
