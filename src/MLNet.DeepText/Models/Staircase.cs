using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MLNet.DeepText.Models;

/// <summary>Architecture of <see cref="Staircase"/>.</summary>
internal sealed record StaircaseSpec(
    int VocabularySize,
    int MaxTokens,
    StaircaseVariant Variant = StaircaseVariant.Staircase,
    int ChunkSize = 32,
    int Steps = 2,
    int CacheChunks = 2,
    int Width = 128,
    int NumberOfLayers = 2,
    int NumberOfHeads = 4,
    double MlpRatio = 2.0,
    double Dropout = 0.1,
    double AttentionDropout = 0.0,
    StaircaseAttention Attention = StaircaseAttention.Causal,
    StaircasePositions Positions = StaircasePositions.HeadBias,
    bool ClassToken = true,
    int WordVectorSize = 0,
    bool FreezeWordVectors = false) : EncoderSpec(VocabularySize)
{
    public override Encoder Build() => new Staircase(this);
    public override int StateWidth => Width;
    public override bool HasClassToken => ClassToken;
}

/// <summary>
/// Staircase attention (Ju et al., "Staircase Attention for Recurrent Processing of Sequences", NeurIPS 2022).
/// One core of <c>NumberOfLayers</c> pre-norm blocks is shared by every step.
/// The sequence (left-padded to a whole number of chunks, so that it ends at the last real token or the class token)
/// is read <c>ChunkSize</c> tokens at a time: at each step the new chunk joins the window of chunks still in flight,
/// the core runs once over the window, and each chunk's output becomes its input at the next step. A chunk leaves the
/// window after <c>Steps</c> passes; its states then are its final states. With ⌈T/C⌉ chunks that takes
/// ⌈T/C⌉ + Steps − 1 core calls (the last Steps − 1 only drain the window). The cached variants keep finished chunks'
/// final states as extra keys and values; the Ladder runs the core over the whole sequence Steps times instead.
/// Positions enter only through the query–key distance (a per-head bias or the paper's learned table of vectors),
/// so padding on the left moves nothing. The class token, read last, is returned first (the encoders' convention).
/// </summary>
internal sealed class Staircase : Encoder
{
    private readonly StaircaseSpec _spec;
    private readonly WordEmbedding embedding;
    private readonly FastDropout embeddingDropout;
    private readonly ModuleList<TransformerBlock> core;
    private readonly Parameter? distanceBias;    // [heads, 2·MaxDistance − 1]
    private readonly Parameter? distanceTable;   // [head size, 2·MaxDistance − 1]
    private readonly LayerNorm finalNorm;

    // Real tokens (and the class token) are at most MaxTokens apart; longer distances only reach padding and are clamped.
    private int MaxDistance => _spec.MaxTokens + 1;

    public Staircase(StaircaseSpec spec) : base(nameof(Staircase))
    {
        _spec = spec;
        embedding = new WordEmbedding(spec.VocabularySize, spec.Width, initStd: 0.02, spec.WordVectorSize, spec.FreezeWordVectors);
        embeddingDropout = new FastDropout(spec.Dropout);
        core = new ModuleList<TransformerBlock>(Enumerable.Range(0, spec.NumberOfLayers)
            .Select(_ => new TransformerBlock(spec.Width, spec.NumberOfHeads, FeedForward.Size(spec.Width, spec.MlpRatio), spec.Dropout, spec.AttentionDropout)).ToArray());
        if (spec.Positions == StaircasePositions.HeadBias) distanceBias = Parameter(zeros(spec.NumberOfHeads, 2 * MaxDistance - 1));
        else distanceTable = Parameter(randn(spec.Width / spec.NumberOfHeads, 2 * MaxDistance - 1));   // N(0, 1) as in the official code
        finalNorm = LayerNorm(spec.Width);
        RegisterComponents();
    }

    public override Parameter WordVectors => embedding.Vectors;

    /// <summary>
    /// Final states [B, T', D] after the final LayerNorm and their mask [B, T'], where T' is the input left-padded to a
    /// whole number of chunks (with the class token appended when there is one): real tokens end at position T' − 1,
    /// except that the class token's state is moved to position 0.
    /// </summary>
    public override (Tensor States, Tensor Mask) forward(Tensor ids, Tensor paddingMask)
    {
        var (leftIds, mask) = AlignRight(ids, paddingMask);
        var x = embeddingDropout.forward(embedding.forward(leftIds));
        var states = finalNorm.forward(_spec.Variant == StaircaseVariant.Ladder ? Ladder(x, mask) : Stairs(x, mask));
        if (!_spec.ClassToken) return (states, mask);
        long last = states.shape[1] - 1;
        return (cat([states.narrow(1, last, 1), states.narrow(1, 0, last)], 1), cat([mask.narrow(1, last, 1), mask.narrow(1, 0, last)], 1));
    }

    /// <summary>Moves each right-padded sequence (plus the class token, if read) to the right end of a [B, T'] tensor, T' a multiple of the chunk size (the Ladder: no rounding).</summary>
    private (Tensor Ids, Tensor Mask) AlignRight(Tensor ids, Tensor paddingMask)
    {
        bool classToken = _spec.ClassToken;
        var lengths = paddingMask.sum(1, type: ScalarType.Int64);                              // [B]
        long content = ids.shape[1] + (classToken ? 1 : 0);
        long chunk = _spec.Variant == StaircaseVariant.Ladder ? 1 : _spec.ChunkSize;
        long total = (content + chunk - 1) / chunk * chunk;
        var withClass = classToken
            ? cat([ids, full(ids.shape[0], 1, (long)ReservedTokenIds.Pad, dtype: ScalarType.Int64, device: ids.device)], 1)
                .scatter(1, lengths.unsqueeze(1), full(ids.shape[0], 1, (long)ReservedTokenIds.Classification, dtype: ScalarType.Int64, device: ids.device))
            : ids;
        var realLengths = classToken ? lengths.add(1) : lengths;
        var source = arange(total, device: ids.device).unsqueeze(0).sub(total).add(realLengths.unsqueeze(1));   // [B, T']
        var valid = source.ge(0);
        var gathered = withClass.gather(1, source.clamp(0, withClass.shape[1] - 1));
        return (gathered.where(valid, zeros_like(gathered)), valid);
    }

    /// <summary>Staircase and its cached variants: one core call per step over [cache, in-flight chunks, new chunk].</summary>
    private Tensor Stairs(Tensor x, Tensor mask)
    {
        int c = _spec.ChunkSize, n = _spec.Steps;
        int chunks = (int)(x.shape[1] / c);
        var inFlight = new List<(int Index, Tensor States)>();
        var finished = new Tensor[chunks];
        for (int step = 0; step < chunks + n - 1; step++)
        {
            if (step < chunks) inFlight.Add((step, x.narrow(1, step * c, c)));
            int first = inFlight[0].Index;
            int cacheStart = _spec.Variant switch
            {
                StaircaseVariant.CachedStaircase => Math.Max(0, first - _spec.CacheChunks),
                StaircaseVariant.GlobalCachedStaircase => 0,
                _ => first,
            };
            Tensor output;
            using (var stepScope = NewDisposeScope())   // the step's copies and masks go as soon as it is done
            {
                var window = cat(inFlight.Select(f => f.States).ToArray(), 1);
                Tensor? cache = cacheStart < first ? cat(finished[cacheStart..first], 1) : null;
                var windowMask = mask.narrow(1, first * c, inFlight.Count * c);
                var contextMask = mask.narrow(1, cacheStart * c, (first - cacheStart + inFlight.Count) * c);
                output = stepScope.MoveToOuter(Core(window, cache, windowMask, contextMask));
            }
            ModelTrace.CoreCall();
            for (int i = 0; i < inFlight.Count; i++) inFlight[i] = (inFlight[i].Index, output.narrow(1, i * c, c));
            if (step - first == n - 1)
            {
                finished[first] = inFlight[0].States;
                inFlight.RemoveAt(0);
            }
        }
        return cat(finished, 1);
    }

    /// <summary>The Ladder: the core over the whole sequence, Steps times.</summary>
    private Tensor Ladder(Tensor x, Tensor mask)
    {
        for (int i = 0; i < _spec.Steps; i++)
        {
            x = Core(x, null, mask, mask);
            ModelTrace.CoreCall();
        }
        return x;
    }

    /// <summary>
    /// One application of the shared core to <paramref name="window"/> [B, w, D], whose keys and values are
    /// [cache, window] at every layer; the cache (finished chunks' final states) is only read.
    /// </summary>
    private Tensor Core(Tensor window, Tensor? cache, Tensor windowMask, Tensor contextMask)
    {
        long w = window.shape[1], context = contextMask.shape[1], offset = context - w;
        var queryPosition = arange(w, device: window.device).add(offset).unsqueeze(1);          // [w, 1]
        var keyPosition = arange(context, device: window.device).unsqueeze(0);                 // [1, context]
        var distance = queryPosition.sub(keyPosition);                                        // query − key
        var allowed = contextMask.unsqueeze(1).unsqueeze(1);                                  // [B, 1, 1, context]
        if (_spec.Attention == StaircaseAttention.Causal) allowed = allowed.logical_and(distance.ge(0).unsqueeze(0).unsqueeze(0));
        // A padded query that may attend nothing attends to itself, so no row is fully masked.
        var self = distance.eq(0).unsqueeze(0).unsqueeze(0).logical_and(windowMask.logical_not().unsqueeze(1).unsqueeze(-1));
        allowed = allowed.logical_or(self);
        var index = distance.clamp(-(MaxDistance - 1), MaxDistance - 1).add(MaxDistance - 1);   // [w, context]
        var bias = distanceBias?.index_select(1, index.flatten()).view(1, _spec.NumberOfHeads, w, context);
        var relative = distanceTable is null ? null : new RelativeKeys(distanceTable, index);
        var h = window;
        foreach (var block in core)
            h = block.forward(h, cache is null ? h : cat([cache, h], 1), allowed, bias, relative);
        return h;
    }
}
