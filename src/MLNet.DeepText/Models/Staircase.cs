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
    bool FreezeWordVectors = false,
    bool PaperInitialization = false,
    double FeedForwardDropout = 0.0,
    int StateTokens = 0,
    int RecurrentLayers = 0) : EncoderSpec(VocabularySize)
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
/// <para>
/// The paper's initialisation (<c>PaperInitialization</c>): token embeddings N(0, 1) and the blocks' residual outputs
/// scaled by 1/√(2L), so that a token's own identity survives the core at the start instead of being averaged away.
/// </para>
/// <para>
/// State tokens (<c>StateTokens</c> = M &gt; 0; our addition for one label per text, after the Block-Recurrent
/// Transformer and GTrXL): M learned vectors s join each step's window as extra queries, keys and values. The new chunk's
/// tokens may read them (the older chunks in flight read them when they were new); their outputs u update them through a
/// gate, s ← s + σ(W[s; u] + b) ⊙ (u − s), whose bias starts at −2 (mostly keep), so the carried state changes slowly at
/// first and the gradient of the end label reaches early chunks along an almost-identity path. They are not updated
/// while the new chunk is all padding, so padding still moves nothing. The class token's final state is its own plus
/// the mean of the final state tokens.
/// </para>
/// <para>
/// A recurrent input layer (<c>RecurrentLayers</c> = R &gt; 0; our addition for one label per text): R GRU layers read
/// the embedded tokens (layer-normalised) one at a time, in order, and their output is added to each token's embedding
/// before the core. The paper's state is carried chunk to chunk by attention, and trained by a label at every few
/// tokens; with one label per text that path did not learn to track (a count or a variable changed by conditional
/// statements) in any budget we could run, while a GRU's per-token gates do (RESULTS.md, issue 13). The GRU runs over the right-padded text, so
/// padding after a text never reaches its tokens, and it is causal. Fed the raw embeddings (N(0, 0.02)) instead of
/// normalised ones, the GRU barely saw the tokens and did not learn either. Embedding dropout acts on what the GRU
/// reads, not on the state it carries to the core (VarTrack 0.729 against 0.711 with dropout after the GRU).
/// </para>
/// </summary>
internal sealed class Staircase : Encoder
{
    private readonly StaircaseSpec _spec;
    private readonly WordEmbedding embedding;
    private readonly FastDropout embeddingDropout;
    private readonly ModuleList<TransformerBlock> core;
    private readonly Parameter? distanceBias;    // [heads, DistanceColumns]
    private readonly Parameter? distanceTable;   // [head size, DistanceColumns]
    private readonly LayerNorm finalNorm;
    private readonly Parameter? initialState;    // [M, D]
    private readonly Linear? stateGate;           // [s; u] → gate logits
    private readonly LayerNorm? recurrenceNorm;   // the GRU reads unit-scale inputs, whatever the embeddings' initial scale
    private readonly GRU? recurrence;              // R layers over the embedded tokens, in reading order

    // Real tokens (and the class token) are at most MaxTokens apart; longer distances only reach padding and are clamped.
    private int MaxDistance => _spec.MaxTokens + 1;
    // One column per query − key distance, then (with state tokens) one for every pair that involves a state token.
    private int StateColumn => 2 * MaxDistance - 1;
    private int DistanceColumns => 2 * MaxDistance - 1 + (HasState ? 1 : 0);
    // The Ladder reads the whole sequence at once: it has no steps between chunks to carry a state through.
    private bool HasState => _spec.StateTokens > 0 && _spec.Variant != StaircaseVariant.Ladder;

    public Staircase(StaircaseSpec spec) : base(nameof(Staircase))
    {
        _spec = spec;
        embedding = new WordEmbedding(spec.VocabularySize, spec.Width, initStd: spec.PaperInitialization ? 1.0 : 0.02, spec.WordVectorSize, spec.FreezeWordVectors);
        embeddingDropout = new FastDropout(spec.Dropout);
        core = new ModuleList<TransformerBlock>(Enumerable.Range(0, spec.NumberOfLayers)
            .Select(_ => new TransformerBlock(spec.Width, spec.NumberOfHeads, FeedForward.Size(spec.Width, spec.MlpRatio), spec.Dropout,
                spec.AttentionDropout, spec.FeedForwardDropout)).ToArray());
        if (spec.PaperInitialization)
            foreach (var block in core) block.ScaleResidualOutputs(1 / Math.Sqrt(2 * spec.NumberOfLayers));
        if (spec.Positions == StaircasePositions.HeadBias) distanceBias = Parameter(zeros(spec.NumberOfHeads, DistanceColumns));
        else distanceTable = Parameter(randn(spec.Width / spec.NumberOfHeads, DistanceColumns));   // N(0, 1) as in the official code
        if (HasState)
        {
            initialState = Parameter(randn(spec.StateTokens, spec.Width).mul_(spec.PaperInitialization ? 1.0 : 0.02));
            stateGate = Linear(2 * spec.Width, spec.Width);
            using var _ = no_grad();
            stateGate.weight!.mul_(0.1);
            stateGate.bias!.fill_(-2.0);   // σ(−2) ≈ 0.12: mostly keep
        }
        if (spec.RecurrentLayers > 0)
        {
            recurrenceNorm = LayerNorm(spec.Width);
            recurrence = GRU(spec.Width, spec.Width, numLayers: spec.RecurrentLayers, batchFirst: true);
        }
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
        var (leftIds, mask, rightIds, source) = AlignRight(ids, paddingMask);
        var x = embeddingDropout.forward(embedding.forward(leftIds));
        if (recurrence is not null)
        {
            // Read in order over the right-padded text (padding comes after every real token), then moved like the ids.
            // Dropout acts on the embeddings the GRU reads, not on what it carries: the tracked state reaches the core whole.
            var e = embeddingDropout.forward(embedding.forward(rightIds));
            var read = e.add(recurrence.forward(recurrenceNorm!.forward(e)).Item1);
            var moved = read.gather(1, source.clamp(0, read.shape[1] - 1).unsqueeze(2).expand(-1, -1, read.shape[2]));
            x = moved.where(mask.unsqueeze(2), x);
        }
        var states = finalNorm.forward(_spec.Variant == StaircaseVariant.Ladder ? Ladder(x, mask) : Stairs(x, mask));
        if (!_spec.ClassToken) return (states, mask);
        long last = states.shape[1] - 1;
        return (cat([states.narrow(1, last, 1), states.narrow(1, 0, last)], 1), cat([mask.narrow(1, last, 1), mask.narrow(1, 0, last)], 1));
    }

    /// <summary>
    /// Moves each right-padded sequence (plus the class token, if read) to the right end of a [B, T'] tensor, T' a
    /// multiple of the chunk size (the Ladder: no rounding). Also returns the right-padded ids with the class token and,
    /// for each aligned position, the position it came from there.
    /// </summary>
    private (Tensor Ids, Tensor Mask, Tensor RightIds, Tensor Source) AlignRight(Tensor ids, Tensor paddingMask)
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
        return (gathered.where(valid, zeros_like(gathered)), valid, withClass, source);
    }

    /// <summary>Staircase and its cached variants: one core call per step over [cache, in-flight chunks, new chunk].</summary>
    private Tensor Stairs(Tensor x, Tensor mask)
    {
        int c = _spec.ChunkSize, n = _spec.Steps;
        int chunks = (int)(x.shape[1] / c);
        var inFlight = new List<(int Index, Tensor States)>();
        var finished = new Tensor[chunks];
        var state = initialState?.unsqueeze(0).expand(x.shape[0], -1, -1);
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
                // The state is read and updated only on steps that bring a new chunk (the drain steps add nothing new to it).
                bool withState = state is not null && step < chunks;
                output = Core(window, cache, windowMask, contextMask, withState ? state : null);
                if (withState)
                {
                    int m = _spec.StateTokens;
                    var u = output.narrow(1, 0, m);
                    output = output.narrow(1, m, output.shape[1] - m);
                    var gate = StateGate(state!, u);
                    var newChunkIsReal = mask.narrow(1, step * c, c).any(1).view(-1, 1, 1);
                    state = stepScope.MoveToOuter(state!.add(gate.mul(u.sub(state!))).where(newChunkIsReal, state!));
                }
                output = stepScope.MoveToOuter(output);
            }
            ModelTrace.CoreCall();
            for (int i = 0; i < inFlight.Count; i++) inFlight[i] = (inFlight[i].Index, output.narrow(1, i * c, c));
            if (step - first == n - 1)
            {
                finished[first] = inFlight[0].States;
                inFlight.RemoveAt(0);
            }
        }
        var states = cat(finished, 1);
        if (state is null || !_spec.ClassToken) return states;
        // The class token, read last, also reads the carried state directly: the end label's gradient then reaches the
        // state in one step, and every earlier chunk through the gates, instead of only through the chunk-to-chunk attention
        // whose contribution shrinks about sevenfold per chunk at the paper's initialisation (staircase-probe).
        long last = states.shape[1] - 1;
        return cat([states.narrow(1, 0, last), states.narrow(1, last, 1).add(state.mean([1], keepdim: true))], 1);
    }

    /// <summary>The state update's gate σ(W[s; u] + b) ∈ (0, 1): 0 keeps the state <paramref name="state"/>, 1 takes the core's output <paramref name="update"/>.</summary>
    internal Tensor StateGate(Tensor state, Tensor update) => functional.sigmoid(stateGate!.forward(cat([state, update], 2)));

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
    /// [cache, window] at every layer; the cache (finished chunks' final states) is only read. With
    /// <paramref name="state"/> [B, M, D], M state queries are prepended to the window: they see the cache, the state and
    /// every real token of the window. Of the window's tokens only the newest chunk (its last
    /// <see cref="StaircaseSpec.ChunkSize"/> tokens) reads the state, and only as it was before this step. The output is
    /// then [B, M + w, D].
    /// </summary>
    private Tensor Core(Tensor window, Tensor? cache, Tensor windowMask, Tensor contextMask, Tensor? state = null)
    {
        long w = window.shape[1], context = contextMask.shape[1], offset = context - w;
        var device = window.device;
        var queryPosition = arange(w, device: device).add(offset).unsqueeze(1);          // [w, 1]
        var keyPosition = arange(context, device: device).unsqueeze(0);                 // [1, context]
        var distance = queryPosition.sub(keyPosition);                                  // query − key
        var allowed = contextMask.unsqueeze(1).unsqueeze(1);                            // [B, 1, 1, context]
        if (_spec.Attention == StaircaseAttention.Causal) allowed = allowed.logical_and(distance.ge(0).unsqueeze(0).unsqueeze(0));
        // A padded query that may attend nothing attends to itself, so no row is fully masked.
        var self = distance.eq(0).unsqueeze(0).unsqueeze(0).logical_and(windowMask.logical_not().unsqueeze(1).unsqueeze(-1));
        allowed = allowed.logical_or(self);                                              // [B, 1, w, context]
        // Only the distances this window uses (at most w + offset on either side), plus the state column: the official code
        // also slices its table; multiplying every query by all 2·MaxTokens + 1 columns cost ~25× the attention scores.
        long first = Math.Max(-(MaxDistance - 1), offset - (context - 1)) + MaxDistance - 1, last = Math.Min(MaxDistance - 1, w - 1 + offset) + MaxDistance - 1;
        var index = distance.clamp(-(MaxDistance - 1), MaxDistance - 1).add(MaxDistance - 1 - first);   // [w, context], into the slice
        var positions = (distanceBias ?? distanceTable)!;
        var table = positions.narrow(1, first, last - first + 1);
        var h = window;
        var memory = cache;
        if (state is not null)
        {
            // Context [cache, s (fixed), s (queries), window]; rows [s (queries), window]. The newest chunk reads the state as
            // it was before this step (fixed, like the cache), never the state queries, whose layers have read the whole window.
            long m = state.shape[1], b = window.shape[0];
            table = cat([table, positions.narrow(1, StateColumn, 1)], 1);
            var stateIndex = full(1, 1, last - first + 1, dtype: ScalarType.Int64, device: device);
            var newChunk = arange(w, device: device).ge(w - _spec.ChunkSize).view(1, 1, w, 1).expand(b, 1, w, m);
            var none = zeros(b, 1, w, m, dtype: ScalarType.Bool, device: device);
            var windowRows = cat([allowed.narrow(3, 0, offset), newChunk, none, allowed.narrow(3, offset, w)], 3);
            var stateRows = cat([contextMask.narrow(1, 0, offset), ones(b, 2 * m, dtype: ScalarType.Bool, device: device), contextMask.narrow(1, offset, w)], 1)
                .view(b, 1, 1, context + 2 * m).expand(b, 1, m, context + 2 * m);
            allowed = cat([stateRows, windowRows], 2);
            index = cat([index.narrow(1, 0, offset), stateIndex.expand(w, 2 * m), index.narrow(1, offset, w)], 1);
            index = cat([stateIndex.expand(m, context + 2 * m), index], 0);
            memory = cache is null ? state : cat([cache, state], 1);
            h = cat([state, window], 1);
            w += m; context += 2 * m;
        }
        var bias = distanceBias is null ? null : table.index_select(1, index.flatten()).view(1, _spec.NumberOfHeads, w, context);
        var relative = distanceTable is null ? null : new RelativeKeys(table, index);
        foreach (var block in core)
            h = block.forward(h, memory is null ? h : cat([memory, h], 1), allowed, bias, relative);
        return h;
    }
}
