using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MLNet.DeepText.Models;

/// <summary>Architecture of <see cref="TransformerEncoderClassifier"/>.</summary>
public sealed record TransformerEncoderSpec(
    int VocabularySize,
    int NumberOfClasses,
    int MaxPositions,
    int Width = 128,
    int Layers = 2,
    int Heads = 4,
    int FeedForwardSize = 256,
    double Dropout = 0.1,
    double AttentionDropout = 0.0,
    PoolingKind Pooling = PoolingKind.Mean,
    bool Causal = false) : ClassifierSpec(VocabularySize, NumberOfClasses)
{
    public override TextClassifier Build() => new TransformerEncoderClassifier(this);
}

/// <summary>
/// The plain Transformer baseline (Vaswani et al., pre-norm variant): token + position embeddings,
/// <c>Layers</c> self-attention blocks over the whole sequence (bidirectional, or causal if asked),
/// a final LayerNorm, masked pooling and a linear head.
/// </summary>
public sealed class TransformerEncoderClassifier : TextClassifier
{
    private readonly TransformerEncoderSpec _spec;
    private readonly TokenEmbedding embedding;
    private readonly ModuleList<TransformerBlock> blocks;
    private readonly LayerNorm finalNorm;
    private readonly Pooling pooling;
    private readonly FastDropout headDropout;
    private readonly Linear head;

    public TransformerEncoderClassifier(TransformerEncoderSpec spec) : base(nameof(TransformerEncoderClassifier))
    {
        _spec = spec;
        embedding = new TokenEmbedding(spec.VocabularySize, spec.Width, spec.MaxPositions, spec.Dropout);
        blocks = new ModuleList<TransformerBlock>(Enumerable.Range(0, spec.Layers)
            .Select(_ => new TransformerBlock(spec.Width, spec.Heads, spec.FeedForwardSize, spec.Dropout, spec.AttentionDropout))
            .ToArray());
        finalNorm = LayerNorm(spec.Width);
        pooling = new Pooling(spec.Pooling, spec.Width);
        headDropout = new FastDropout(spec.Dropout);
        head = Linear(spec.Width, spec.NumberOfClasses);
        RegisterComponents();
    }

    public override Tensor Embed(Tensor ids, Tensor paddingMask)
    {
        var mask = AttentionMasks.KeyPadding(paddingMask);
        if (_spec.Causal) mask = AttentionMasks.And(mask, AttentionMasks.Causal(ids.shape[1], ids.device))!;
        var x = embedding.forward(ids);
        foreach (var block in blocks) x = block.forward(x, mask);
        return pooling.forward(finalNorm.forward(x), paddingMask);
    }

    public override Tensor forward(Tensor ids, Tensor paddingMask) => head.forward(headDropout.forward(Embed(ids, paddingMask)));
}
