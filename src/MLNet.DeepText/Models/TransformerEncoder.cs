using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MLNet.DeepText.Models;

/// <summary>Architecture of <see cref="TransformerEncoder"/>.</summary>
internal sealed record TransformerEncoderSpec(
    int VocabularySize,
    int MaxPositions,
    int Width = 128,
    int NumberOfLayers = 2,
    int NumberOfHeads = 4,
    double MlpRatio = 2.0,
    double Dropout = 0.1,
    double AttentionDropout = 0.0,
    bool Causal = false,
    bool ClassToken = false,
    int WordVectorSize = 0,
    bool FreezeWordVectors = false) : EncoderSpec(VocabularySize)
{
    public override Encoder Build() => new TransformerEncoder(this);
    public override int StateWidth => Width;
    public override bool HasClassToken => ClassToken;
}

/// <summary>
/// The plain Transformer baseline (Vaswani et al., pre-norm variant): token + learned position embeddings (after a
/// class token, if asked), <c>NumberOfLayers</c> self-attention blocks over the whole sequence (bidirectional, or
/// causal), and a final LayerNorm.
/// </summary>
internal sealed class TransformerEncoder : Encoder
{
    private readonly TransformerEncoderSpec _spec;
    private readonly TokenEmbedding embedding;
    private readonly ModuleList<TransformerBlock> blocks;
    private readonly LayerNorm finalNorm;

    public TransformerEncoder(TransformerEncoderSpec spec) : base(nameof(TransformerEncoder))
    {
        _spec = spec;
        embedding = new TokenEmbedding(spec.VocabularySize, spec.Width, spec.MaxPositions + (spec.ClassToken ? 1 : 0), spec.Dropout,
            spec.WordVectorSize, spec.FreezeWordVectors);
        blocks = new ModuleList<TransformerBlock>(Enumerable.Range(0, spec.NumberOfLayers)
            .Select(_ => new TransformerBlock(spec.Width, spec.NumberOfHeads, FeedForward.Size(spec.Width, spec.MlpRatio), spec.Dropout, spec.AttentionDropout))
            .ToArray());
        finalNorm = LayerNorm(spec.Width);
        RegisterComponents();
    }

    public override Parameter WordVectors => embedding.WordVectors;

    public override (Tensor States, Tensor Mask) forward(Tensor ids, Tensor paddingMask)
    {
        if (_spec.ClassToken) (ids, paddingMask) = PrependClassToken(ids, paddingMask);
        var mask = AttentionMasks.KeyPadding(paddingMask);
        if (_spec.Causal) mask = AttentionMasks.And(mask, AttentionMasks.Causal(ids.shape[1], ids.device))!;
        var x = embedding.forward(ids);
        foreach (var block in blocks) x = block.forward(x, mask);
        return (finalNorm.forward(x), paddingMask);
    }

    /// <summary>[B, T] ids and mask → [B, T + 1] with the classification id first (always real).</summary>
    private static (Tensor Ids, Tensor Mask) PrependClassToken(Tensor ids, Tensor paddingMask) =>
        (cat([full(ids.shape[0], 1, (long)ReservedTokenIds.Classification, dtype: ScalarType.Int64, device: ids.device), ids], 1),
         cat([ones(ids.shape[0], 1, dtype: ScalarType.Bool, device: ids.device), paddingMask], 1));
}
