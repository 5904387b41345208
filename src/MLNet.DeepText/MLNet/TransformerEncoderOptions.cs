using Microsoft.ML.SearchSpace;
using MLNet.DeepText.Models;
using MLNet.DeepText.Text;

namespace MLNet.DeepText;

/// <summary>Options of the plain Transformer encoder classifier (the baseline every other family is compared with).</summary>
public sealed class TransformerEncoderOptions : DeepTextOptions
{
    /// <summary>Width of the token states, 8 to 4,096, divisible by <see cref="NumberOfHeads"/>. Default 128.</summary>
    [Choice(64, 128, 256)]
    public int Width { get; set; } = 128;
    /// <summary>Transformer blocks, 1 to 48. Default 2.</summary>
    [Range(1, 4)]
    public int NumberOfLayers { get; set; } = 2;
    /// <summary>Attention heads per block, 1 to 64. Default 4.</summary>
    public int NumberOfHeads { get; set; } = 4;
    /// <summary>Hidden width of each block's feed-forward layer as a multiple of <see cref="Width"/>, 0.25 to 8. Default 2.</summary>
    public double MlpRatio { get; set; } = 2;
    /// <summary>Dropout on embeddings, residual branches and the head, in [0, 1). Default 0.1.</summary>
    [Range(0.0, 0.3)]
    public double Dropout { get; set; } = 0.1;
    /// <summary>
    /// Dropout on attention weights, in [0, 1). Default 0: on a CPU it forces the unfused attention path and
    /// samples a mask over every query–key pair, which made training steps several times slower in our measurements.
    /// </summary>
    public double AttentionDropout { get; set; }
    /// <summary>How token states become one document vector (<see cref="PoolingKind.ClassToken"/> adds a class token). Default: masked mean.</summary>
    public PoolingKind Pooling { get; set; } = PoolingKind.Mean;
    /// <summary>Causal attention (each token sees only earlier tokens). Default false (bidirectional).</summary>
    public bool Causal { get; set; }

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        Range(nameof(Width), Width, 8, 4096);
        Range(nameof(NumberOfLayers), NumberOfLayers, 1, 48);
        Range(nameof(NumberOfHeads), NumberOfHeads, 1, 64);
        if (Width % NumberOfHeads != 0) Fail(nameof(Width), Width, $"a multiple of NumberOfHeads ({NumberOfHeads})");
        Range(nameof(MlpRatio), MlpRatio, 0.25, 8);
        Probability(nameof(Dropout), Dropout);
        Probability(nameof(AttentionDropout), AttentionDropout);
        RequireDefined(nameof(Pooling), Pooling);
    }

    internal override ClassifierSpec CreateSpec(int vocabularySize, int numberOfClasses, PretrainedVectors? wordVectors) => new(
        new TransformerEncoderSpec(vocabularySize, MaxPositions: MaxTokens, Width: Width, NumberOfLayers: NumberOfLayers,
            NumberOfHeads: NumberOfHeads, MlpRatio: MlpRatio, Dropout: Dropout, AttentionDropout: AttentionDropout, Causal: Causal,
            ClassToken: Pooling == PoolingKind.ClassToken, WordVectorSize: wordVectors?.Dimension ?? 0, FreezeWordVectors: FreezeWordVectors),
        numberOfClasses, Pooling, HeadDropout: Dropout, BagOfWordsSize: BagOfWordsSize);
}
