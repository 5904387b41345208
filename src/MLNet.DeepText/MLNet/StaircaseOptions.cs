using Microsoft.ML.SearchSpace;
using MLNet.DeepText.Models;
using MLNet.DeepText.Text;

namespace MLNet.DeepText;

/// <summary>
/// Options of the staircase attention classifier (Ju et al., NeurIPS 2022): one small core of Transformer blocks
/// applied recurrently, chunk by chunk, so that state is carried through the text in order. It costs about
/// <see cref="Steps"/> times a plain Transformer of the same size per token, with attention linear in the length.
/// The paper's own settings (learned distance table, dropout 0.2 on attention weights and feed-forward hidden layers
/// only, a constant learning rate after warm-up) are available through <see cref="Positions"/>,
/// <see cref="AttentionDropout"/>, <see cref="FeedForwardDropout"/>, <see cref="Dropout"/> and
/// <see cref="DeepTextOptions.LearningRateDecay"/>; they are not the defaults because on real text they overfit more
/// (fortunes 0.460 against 0.490) without a measurable gain on state tracking (RESULTS.md, issue 13). By default one GRU
/// layer reads the tokens in order under the core (<see cref="RecurrentLayers"/>): with one label per text, it is what
/// learns a state updated many times.
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
    /// <summary>Width of the token states, 8 to 4,096, divisible by <see cref="NumberOfHeads"/>. Default 128.</summary>
    [Choice(64, 128, 256)]
    public int Width { get; set; } = 128;
    /// <summary>
    /// Transformer blocks in the shared core, 1 to 24. One block trains about 1.8× faster and tracked state slightly
    /// better in the same time (VarTrack 0.730 against 0.711 in 20 minutes), but was slightly worse on real text
    /// (fortunes 0.516 against 0.526, spam 0.980 against 0.986; RESULTS.md, issue 13). Default 2.
    /// </summary>
    [Range(1, 3)]
    public int NumberOfLayers { get; set; } = 2;
    /// <summary>Attention heads, 1 to 64. Default 4.</summary>
    public int NumberOfHeads { get; set; } = 4;
    /// <summary>Hidden width of each block's feed-forward layer as a multiple of <see cref="Width"/>, 0.25 to 8. Default 2.</summary>
    public double MlpRatio { get; set; } = 2;
    /// <summary>
    /// Dropout on embeddings (before the GRU layers read them, not on the state those carry) and on residual branches,
    /// in [0, 1). Default 0.1. These are the recurrent path, which every chunk crosses several times; the paper uses 0 here
    /// (with 0.2 on attention weights and feed-forward hidden layers). For synthetic-like state tracking (many exact
    /// updates, little noise) 0, with <c>LabelSmoothing</c> 0, learns faster (VarTrack in 20 minutes: 0.747 against 0.711
    /// when dropout still acted after the GRU); on real text it overfits sooner (fortunes 0.510 against 0.526).
    /// </summary>
    [Range(0.0, 0.3)]
    public double Dropout { get; set; } = 0.1;
    /// <summary>Dropout on attention weights, in [0, 1). Default 0 (the paper: 0.2).</summary>
    public double AttentionDropout { get; set; }
    /// <summary>Attention inside a step: causal, as in the paper, or bidirectional within the window. Default causal.</summary>
    public StaircaseAttention Attention { get; set; } = StaircaseAttention.Causal;
    /// <summary>
    /// How the document vector is read: a class token read after the text (the recurrent final state, for
    /// state-tracking text), or the mean, attention pooling or last token of the text's states. Default: class token.
    /// </summary>
    public PoolingKind Pooling { get; set; } = PoolingKind.ClassToken;
    /// <summary>
    /// Relative positions: a learned scalar bias per head and distance (starting at zero), or the paper's learned table of
    /// distance vectors (content-dependent: q·p_δ, shared by layers and heads, starting N(0, 1)). Default: per-head bias.
    /// </summary>
    public StaircasePositions Positions { get; set; } = StaircasePositions.HeadBias;
    /// <summary>Dropout on each block's feed-forward hidden layer, in [0, 1). Default 0 (the paper: 0.2).</summary>
    public double FeedForwardDropout { get; set; }
    /// <summary>
    /// State tokens carried from step to step through a learned gate that starts near "keep", 0 to 64 (0: none; ignored by
    /// the Ladder). They give a state that must survive many chunks, such as a running count, a path along which one label
    /// at the end of the text can teach the early chunks. Default 0.
    /// </summary>
    public int StateTokens { get; set; }
    /// <summary>
    /// GRU layers that read the (layer-normalised) token embeddings one at a time, in order, before the staircase core,
    /// 0 to 4 (0: none). With one label per text, this per-token gated recurrence is what learns to track a state changed
    /// many times (a running count, a variable updated by conditional statements); the chunk-to-chunk attention path alone
    /// did not (VarTrack: 0.71 against 0.23 without it). It also helped on real text (fortunes 0.526 against 0.490–0.502)
    /// at about 1.3× the training time (RESULTS.md, issue 13). Default 1.
    /// </summary>
    [Range(0, 2)]
    public int RecurrentLayers { get; set; } = 1;
    /// <summary>
    /// The paper's initialisation: embeddings N(0, 1), residual outputs × 1/√(2L). Internal: benchmarks measure it
    /// (it keeps each token's identity but shrinks the end label's gradient to early chunks sevenfold per chunk).
    /// </summary>
    internal bool PaperInitialization { get; set; }

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        RequireDefined(nameof(Variant), Variant);
        Range(nameof(ChunkSize), ChunkSize, 1, 4096);
        Range(nameof(Steps), Steps, 1, 16);
        Range(nameof(CacheChunks), CacheChunks, 1, 4096);
        Range(nameof(Width), Width, 8, 4096);
        Range(nameof(NumberOfLayers), NumberOfLayers, 1, 24);
        Range(nameof(NumberOfHeads), NumberOfHeads, 1, 64);
        if (Width % NumberOfHeads != 0) Fail(nameof(Width), Width, $"a multiple of NumberOfHeads ({NumberOfHeads})");
        Range(nameof(MlpRatio), MlpRatio, 0.25, 8);
        Probability(nameof(Dropout), Dropout);
        Probability(nameof(AttentionDropout), AttentionDropout);
        RequireDefined(nameof(Attention), Attention);
        RequireDefined(nameof(Pooling), Pooling);
        RequireDefined(nameof(Positions), Positions);
        Probability(nameof(FeedForwardDropout), FeedForwardDropout);
        Range(nameof(StateTokens), StateTokens, 0, 64);
        Range(nameof(RecurrentLayers), RecurrentLayers, 0, 4);
    }

    internal override ClassifierSpec CreateSpec(int vocabularySize, int numberOfClasses, PretrainedVectors? wordVectors) => new(
        new StaircaseSpec(vocabularySize, MaxTokens, Variant: Variant, ChunkSize: ChunkSize, Steps: Steps, CacheChunks: CacheChunks,
            Width: Width, NumberOfLayers: NumberOfLayers, NumberOfHeads: NumberOfHeads, MlpRatio: MlpRatio, Dropout: Dropout,
            AttentionDropout: AttentionDropout, Attention: Attention, Positions: Positions, ClassToken: Pooling == PoolingKind.ClassToken,
            WordVectorSize: wordVectors?.Dimension ?? 0, FreezeWordVectors: FreezeWordVectors, PaperInitialization: PaperInitialization,
            FeedForwardDropout: FeedForwardDropout, StateTokens: StateTokens, RecurrentLayers: RecurrentLayers),
        numberOfClasses, Pooling, BagOfWordsSize: BagOfWordsSize);
}

/// <summary>How the shared core is applied over the sequence (Ju et al., "Staircase Attention for Recurrent Processing of Sequences", NeurIPS 2022).</summary>
public enum StaircaseVariant
{
    /// <summary>Chunks enter one per step; each chunk is processed <c>Steps</c> times, one level higher each step; nothing is cached.</summary>
    Staircase,
    /// <summary>Staircase, plus the final states of the last <c>CacheChunks</c> finished chunks stay visible as keys and values.</summary>
    CachedStaircase,
    /// <summary>Staircase, plus every finished chunk stays visible as keys and values.</summary>
    GlobalCachedStaircase,
    /// <summary>No chunking: the whole sequence goes through the shared core <c>Steps</c> times (recurrence in depth only).</summary>
    Ladder,
}

/// <summary>What a token may attend to inside one step's window.</summary>
public enum StaircaseAttention
{
    /// <summary>Earlier tokens and itself, as in the paper.</summary>
    Causal,
    /// <summary>Every token of the window (chunks still enter left to right).</summary>
    Bidirectional,
}

/// <summary>How the staircase core knows where tokens are (it has no absolute positions).</summary>
public enum StaircasePositions
{
    /// <summary>A learned scalar per head and query–key distance, added to the attention score.</summary>
    HeadBias,
    /// <summary>The paper's content-dependent term: a learned vector p_δ per distance, shared by all layers and heads, adding q·p_δ / √d_head to the score.</summary>
    LearnedTable,
}

