using Microsoft.ML.SearchSpace;
using MLNet.DeepText.Models;

namespace MLNet.DeepText;

/// <summary>
/// Options of the staircase attention classifier (Ju et al., NeurIPS 2022): one small core of Transformer blocks
/// applied recurrently, chunk by chunk, so that state is carried through the text in order. It costs about
/// <see cref="Steps"/> times a plain Transformer of the same size per token, with attention linear in the length.
/// </summary>
public sealed class StaircaseOptions : DeepTextOptions
{
    /// <summary>Staircase, cached staircase, global-cached staircase or Ladder. Default: staircase.</summary>
    public StaircaseVariant Variant { get; set; } = StaircaseVariant.Staircase;
    /// <summary>New tokens read per step (C), 1 to 4,096. Smaller chunks track state more finely but take more sequential steps. Default 32.</summary>
    [Choice(8, 16, 32, 64)]
    public int ChunkSize { get; set; } = 32;
    /// <summary>Passes each chunk makes through the core (N), 1 to 16; the Ladder's number of repeats. Default 2.</summary>
    [Range(1, 3)]
    public int Steps { get; set; } = 2;
    /// <summary>Finished chunks the cached staircase keeps visible, 1 to 4,096 (ignored by the other variants). Default 2.</summary>
    public int CacheChunks { get; set; } = 2;
    /// <summary>Width of token states, 8 to 4,096, divisible by <see cref="NumberOfHeads"/>. Default 128.</summary>
    [Choice(64, 128, 256)]
    public int EmbeddingSize { get; set; } = 128;
    /// <summary>Transformer blocks in the shared core, 1 to 24. Default 2.</summary>
    [Range(1, 3)]
    public int NumberOfLayers { get; set; } = 2;
    /// <summary>Attention heads, 1 to 64. Default 4.</summary>
    public int NumberOfHeads { get; set; } = 4;
    /// <summary>Hidden width of each block's feed-forward layer, 8 to 16,384. Default 256.</summary>
    public int FeedForwardSize { get; set; } = 256;
    /// <summary>Dropout on embeddings and residual branches, in [0, 1). Default 0.1.</summary>
    [Range(0.0, 0.3)]
    public double Dropout { get; set; } = 0.1;
    /// <summary>Attention inside a step: causal, as in the paper, or bidirectional within the window. Default causal.</summary>
    public StaircaseAttention Attention { get; set; } = StaircaseAttention.Causal;
    /// <summary>
    /// How the document vector is read: a class token at the end (the recurrent final state, for state-tracking text),
    /// the mean of the tokens, or attention pooling. Default: class token.
    /// </summary>
    public StaircaseReadout Readout { get; set; } = StaircaseReadout.ClassToken;
    /// <summary>
    /// Relative positions: a learned bias per head and distance, or the paper's learned table of distance vectors
    /// (content-dependent, a little more compute). Default: per-head bias.
    /// </summary>
    public StaircasePositions Positions { get; set; } = StaircasePositions.HeadBias;

    public override void Validate()
    {
        base.Validate();
        if (!Enum.IsDefined(Variant)) Fail(nameof(Variant), Variant, $"one of {string.Join(", ", Enum.GetNames<StaircaseVariant>())}");
        Range(nameof(ChunkSize), ChunkSize, 1, 4096);
        Range(nameof(Steps), Steps, 1, 16);
        Range(nameof(CacheChunks), CacheChunks, 1, 4096);
        Range(nameof(EmbeddingSize), EmbeddingSize, 8, 4096);
        Range(nameof(NumberOfLayers), NumberOfLayers, 1, 24);
        Range(nameof(NumberOfHeads), NumberOfHeads, 1, 64);
        if (EmbeddingSize % NumberOfHeads != 0) Fail(nameof(EmbeddingSize), EmbeddingSize, $"a multiple of NumberOfHeads ({NumberOfHeads})");
        Range(nameof(FeedForwardSize), FeedForwardSize, 8, 16_384);
        Probability(nameof(Dropout), Dropout);
        if (!Enum.IsDefined(Attention)) Fail(nameof(Attention), Attention, $"one of {string.Join(", ", Enum.GetNames<StaircaseAttention>())}");
        if (!Enum.IsDefined(Readout)) Fail(nameof(Readout), Readout, $"one of {string.Join(", ", Enum.GetNames<StaircaseReadout>())}");
        if (!Enum.IsDefined(Positions)) Fail(nameof(Positions), Positions, $"one of {string.Join(", ", Enum.GetNames<StaircasePositions>())}");
    }

    internal StaircaseSpec ToSpec(int vocabularySize, int classes) => new(vocabularySize, classes, MaxTokens, Variant, ChunkSize, Steps,
        CacheChunks, EmbeddingSize, NumberOfLayers, NumberOfHeads, FeedForwardSize, Dropout, Attention, Readout, Positions);
}
