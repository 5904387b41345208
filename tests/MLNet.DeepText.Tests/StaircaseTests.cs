using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.DeepText.Models;
using OrderStatus = MLNet.DeepText.Synthetic.OrderStatus;
using MLNet.DeepText.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.DeepText.Tests;

public class StaircaseTests
{
    private static TextClassifier Model(StaircaseVariant variant, int chunk = 4, int steps = 3, StaircaseAttention attention = StaircaseAttention.Causal,
        PoolingKind pooling = PoolingKind.ClassToken, int seed = 3, StaircasePositions positions = StaircasePositions.HeadBias, int stateTokens = 0, int recurrentLayers = 0)
    {
        torch.manual_seed(seed);
        var model = new ClassifierSpec(new StaircaseSpec(40, MaxTokens: 64, Variant: variant, ChunkSize: chunk, Steps: steps, CacheChunks: 1,
            Width: 16, NumberOfLayers: 2, NumberOfHeads: 2, MlpRatio: 2, Attention: attention, Positions: positions,
            ClassToken: pooling == PoolingKind.ClassToken, PaperInitialization: stateTokens > 0, StateTokens: stateTokens,
            RecurrentLayers: recurrentLayers), 3, pooling).Build();
        model.eval();
        using var _ = no_grad();
        foreach (var (name, p) in model.named_parameters())
        {
            if (name.Contains("distanceBias")) nn.init.normal_(p, 0, 1);     // make positions matter (the table starts N(0, 1) already)
            if (name.Contains("stateGate.bias")) p.fill_(0);                 // make the carried state move, so that what it carries is visible
        }
        return model;
    }

    private static (Tensor Ids, Tensor Mask) One(long[] tokens) =>
        (tensor(tokens, [1, tokens.Length]), ones(1, tokens.Length, dtype: ScalarType.Bool));

    private static long[] Tokens(int n, int seed) { var rng = new Random(seed); return Enumerable.Range(0, n).Select(_ => (long)rng.Next(3, 40)).ToArray(); }

    [Fact]
    public void A_forward_pass_frees_each_steps_temporaries_instead_of_keeping_them_to_the_end()
    {
        // Under a caller's dispose scope every tensor made in the pass would live until the scope ends: the temporaries of
        // all ⌈T/C⌉ + N − 1 steps at once (4 GB on spam). Only a few per step may remain: its output and the chunk views
        // (about 6 per step; 83 before each block and step had its own scope).
        using var model = Model(StaircaseVariant.CachedStaircase);
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var (ids, mask) = One(Tokens(60, 2));
        int before = scope.DisposablesCount;
        using var trace = ModelTrace.Start();
        model.forward(ids, mask);
        int kept = scope.DisposablesCount - before;
        Assert.Equal(16 + 3 - 1, trace.CoreCalls);
        Assert.True(kept < 8 * trace.CoreCalls, $"{kept} tensors kept for {trace.CoreCalls} steps");
    }

    [Theory]
    [InlineData(StaircasePositions.HeadBias)]
    [InlineData(StaircasePositions.LearnedTable)]
    public void With_one_step_and_one_chunk_the_staircase_is_a_plain_causal_transformer(StaircasePositions positions)
    {
        using var staircase = Model(StaircaseVariant.Staircase, chunk: 64, steps: 1, positions: positions);
        using var plain = Model(StaircaseVariant.Ladder, steps: 1, seed: 9, positions: positions);
        using (no_grad()) foreach (var (name, t) in plain.state_dict()) t.copy_(staircase.state_dict()[name]);
        using var _ = no_grad();
        var (ids, mask) = One(Tokens(20, 1));
        using var trace = ModelTrace.Start();
        using var a = staircase.Embed(ids, mask);
        Assert.Equal(1, trace.CoreCalls);
        using var b = plain.Embed(ids, mask);
        Assert.True(a.allclose(b, atol: 1e-5));
    }

    [Theory]
    [InlineData(StaircaseVariant.Staircase)]
    [InlineData(StaircaseVariant.CachedStaircase)]
    [InlineData(StaircaseVariant.GlobalCachedStaircase)]
    [InlineData(StaircaseVariant.Ladder)]
    [InlineData(StaircaseVariant.GlobalCachedStaircase, StaircasePositions.LearnedTable)]
    [InlineData(StaircaseVariant.Staircase, StaircasePositions.HeadBias, 3)]
    [InlineData(StaircaseVariant.CachedStaircase, StaircasePositions.LearnedTable, 2)]
    [InlineData(StaircaseVariant.Staircase, StaircasePositions.HeadBias, 2, 1)]
    [InlineData(StaircaseVariant.Ladder, StaircasePositions.HeadBias, 0, 2)]
    public void Causal_mode_never_looks_ahead(StaircaseVariant variant, StaircasePositions positions = StaircasePositions.HeadBias, int stateTokens = 0,
        int recurrentLayers = 0)
    {
        using var model = Model(variant, positions: positions, pooling: PoolingKind.Mean, stateTokens: stateTokens, recurrentLayers: recurrentLayers);
        using var _ = no_grad();
        var tokens = Tokens(24, 2);                     // 24 tokens = 6 chunks: no left padding, state i is token i's
        var changed = (long[])tokens.Clone();
        changed[13] = tokens[13] == 5 ? 6 : 5;
        var (a, ma) = One(tokens);
        var (b, mb) = One(changed);
        var (statesA, _) = model.Encoder.call(a, ma);
        var (statesB, _) = model.Encoder.call(b, mb);
        Assert.True(statesA[.., ..13].allclose(statesB[.., ..13], atol: 1e-6));
        Assert.False(statesA[.., 13..].allclose(statesB[.., 13..], atol: 1e-4));
    }

    [Fact]
    public void Bidirectional_windows_do_look_ahead()
    {
        using var model = Model(StaircaseVariant.Staircase, attention: StaircaseAttention.Bidirectional, pooling: PoolingKind.Mean);
        using var _ = no_grad();
        var tokens = Tokens(24, 2);
        var changed = (long[])tokens.Clone();
        changed[13] = tokens[13] == 5 ? 6 : 5;
        var (statesA, _) = model.Encoder.call(One(tokens).Ids, One(tokens).Mask);
        var (statesB, _) = model.Encoder.call(One(changed).Ids, One(changed).Mask);
        Assert.False(statesA[.., ..12].allclose(statesB[.., ..12], atol: 1e-4));
    }

    [Theory]
    [InlineData(4, 1)]
    [InlineData(4, 3)]
    [InlineData(8, 2)]
    [InlineData(3, 4)]
    public void Each_token_is_processed_exactly_Steps_times_in_ceil_T_over_C_plus_Steps_minus_one_core_calls(int chunk, int steps)
    {
        foreach (var (variant, stateTokens) in new[] { (StaircaseVariant.Staircase, 0), (StaircaseVariant.CachedStaircase, 0),
            (StaircaseVariant.GlobalCachedStaircase, 0), (StaircaseVariant.Staircase, 2) })
        {
            using var model = Model(variant, chunk, steps, stateTokens: stateTokens);
            using var _ = no_grad();
            var (ids, mask) = One(Tokens(21, 3));
            using var trace = ModelTrace.Start();
            using var logits = model.forward(ids, mask);
            int padded = (21 + 1 + chunk - 1) / chunk * chunk;  // + class token, left-padded to whole chunks
            int layers = 2;
            Assert.Equal(padded / chunk + steps - 1, trace.CoreCalls);
            // Counted by the attention layers that ran: every core call is one attention per layer, and every position
            // is a query in exactly Steps of them.
            Assert.Equal(layers * trace.CoreCalls, trace.AttentionCalls);
            // The state tokens are queries too, once per step that brings a new chunk.
            Assert.Equal((long)layers * (steps * padded + stateTokens * (padded / chunk)), trace.AttentionQueries);
        }
    }

    [Theory]
    [InlineData(StaircaseVariant.Staircase, PoolingKind.ClassToken)]
    [InlineData(StaircaseVariant.CachedStaircase, PoolingKind.Mean)]
    [InlineData(StaircaseVariant.GlobalCachedStaircase, PoolingKind.Attention)]
    [InlineData(StaircaseVariant.Staircase, PoolingKind.LastToken)]
    [InlineData(StaircaseVariant.Ladder, PoolingKind.ClassToken)]
    [InlineData(StaircaseVariant.CachedStaircase, PoolingKind.ClassToken, StaircasePositions.LearnedTable)]
    [InlineData(StaircaseVariant.Ladder, PoolingKind.Mean, StaircasePositions.LearnedTable)]
    [InlineData(StaircaseVariant.Staircase, PoolingKind.ClassToken, StaircasePositions.HeadBias, 3)]
    [InlineData(StaircaseVariant.GlobalCachedStaircase, PoolingKind.Mean, StaircasePositions.LearnedTable, 2)]
    [InlineData(StaircaseVariant.Staircase, PoolingKind.ClassToken, StaircasePositions.HeadBias, 2, 1)]
    [InlineData(StaircaseVariant.Ladder, PoolingKind.LastToken, StaircasePositions.HeadBias, 0, 1)]
    public void Padding_never_changes_a_prediction(StaircaseVariant variant, PoolingKind pooling, StaircasePositions positions = StaircasePositions.HeadBias,
        int stateTokens = 0, int recurrentLayers = 0)
    {
        using var model = Model(variant, pooling: pooling, positions: positions, stateTokens: stateTokens, recurrentLayers: recurrentLayers);
        using var _ = no_grad();
        var sequences = new[] { 1, 3, 4, 9, 17, 30 }.Select(n => Tokens(n, n)).ToArray();
        var (ids, mask) = Collate.Pad(sequences, Enumerable.Range(0, sequences.Length).ToArray(), CPU);
        using var batched = model.Embed(ids, mask);
        for (int i = 0; i < sequences.Length; i++)
        {
            var (one, oneMask) = One(sequences[i]);
            using var alone = model.Embed(one, oneMask);
            Assert.True(alone[0].allclose(batched[i], atol: 1e-5), $"{sequences[i].Length} tokens");
        }
    }

    [Fact]
    public void The_learned_distance_table_is_the_only_order_information_and_it_is_used()
    {
        // A bidirectional Ladder with mean readout sees a bag of tokens except through the relative positions.
        using var model = Model(StaircaseVariant.Ladder, attention: StaircaseAttention.Bidirectional, pooling: PoolingKind.Mean, positions: StaircasePositions.LearnedTable);
        using var _ = no_grad();
        var tokens = Tokens(12, 5);
        var (a, ma) = One(tokens);
        var (b, mb) = One([.. tokens.Reverse()]);
        using var forward = model.Embed(a, ma);
        using var reversed = model.Embed(b, mb);
        Assert.False(forward.allclose(reversed, atol: 1e-4));
        using (no_grad()) foreach (var (name, p) in model.named_parameters()) if (name.Contains("distanceTable")) p.zero_();
        using var forwardNoTable = model.Embed(a, ma);
        using var reversedNoTable = model.Embed(b, mb);
        Assert.True(forwardNoTable.allclose(reversedNoTable, atol: 1e-5));
    }

    [Fact]
    public void The_state_gate_starts_near_keep_and_the_state_carries_what_early_chunks_said()
    {
        torch.manual_seed(4);
        using var model = new ClassifierSpec(new StaircaseSpec(40, MaxTokens: 64, ChunkSize: 4, Steps: 2, Width: 16, NumberOfHeads: 2,
            PaperInitialization: true, StateTokens: 3), 3, PoolingKind.ClassToken).Build();
        model.eval();
        using var _ = no_grad();
        var staircase = (Staircase)model.Encoder;
        using var state = randn(5, 3, 16);
        using var update = randn(5, 3, 16);
        using var gate = staircase.StateGate(state, update);
        Assert.InRange(gate.mean().item<float>(), 0.08, 0.18);          // σ(−2) ≈ 0.12 at the start: mostly keep
        Assert.True(gate.max().item<float>() < 0.5);

        // Without the window's tokens, a chunk sees what came before only through the state: with the staircase's
        // other path (a chunk in flight) cut by one step and one chunk per window, the first chunk must still change the last state.
        using var single = new ClassifierSpec(new StaircaseSpec(40, MaxTokens: 64, ChunkSize: 4, Steps: 1, Width: 16, NumberOfHeads: 2,
            StateTokens: 3), 3, PoolingKind.ClassToken).Build();
        using var plain = new ClassifierSpec(new StaircaseSpec(40, MaxTokens: 64, ChunkSize: 4, Steps: 1, Width: 16, NumberOfHeads: 2), 3, PoolingKind.ClassToken).Build();
        single.eval(); plain.eval();
        var tokens = Tokens(15, 6);
        var changed = (long[])tokens.Clone();
        changed[0] = tokens[0] == 5 ? 6 : 5;
        Assert.False(single.Embed(One(tokens).Ids, One(tokens).Mask).allclose(single.Embed(One(changed).Ids, One(changed).Mask), atol: 1e-6));
        Assert.True(plain.Embed(One(tokens).Ids, One(tokens).Mask).allclose(plain.Embed(One(changed).Ids, One(changed).Mask), atol: 1e-6));
    }

    [Fact]
    public void The_cache_lets_a_step_see_finished_chunks()
    {
        // Same weights; only what finished chunks contribute differs, so the outputs must differ.
        using var staircase = Model(StaircaseVariant.Staircase, steps: 2);
        using var cached = Model(StaircaseVariant.GlobalCachedStaircase, steps: 2);
        using var _ = no_grad();
        var (ids, mask) = One(Tokens(23, 4));
        using var a = staircase.Embed(ids, mask);
        using var b = cached.Embed(ids, mask);
        Assert.False(a.allclose(b, atol: 1e-4));
    }
}

public class StaircaseTrainerTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static IDataView Orders(MLContext ml, int count, int seed) =>
        ml.Data.LoadFromEnumerable(OrderStatus.Generate(count, seed).Select(e => new Ticket { Queue = e.Label, Text = e.Text }));

    [Fact]
    public void Learns_the_last_status_of_an_order_where_bag_of_words_cannot_and_round_trips_through_save_and_load()
    {
        var ml = new MLContext(seed: 1);
        var trainRows = Orders(ml, 800, seed: 1);
        var keys = ml.Transforms.Conversion.MapValueToKey("Label", nameof(Ticket.Queue)).Fit(trainRows);
        var train = keys.Transform(trainRows);
        var test = keys.Transform(Orders(ml, 300, seed: 2));

        using var model = ml.MulticlassClassification.Trainers.Staircase(new StaircaseOptions
        {
            ChunkSize = 4, Steps = 2, Width = 32, NumberOfHeads = 2, MlpRatio = 2, NumberOfLayers = 2,
            MaxTokens = 96, MaxEpochs = 10, LearningRate = 2e-3, MinTokenCount = 1, Seed = 7,
        }).Fit(train);
        double staircase = ml.MulticlassClassification.Evaluate(model.Transform(test)).MicroAccuracy;
        var bagOfWords = ml.Transforms.Text.FeaturizeText("Features", nameof(Ticket.Text))
            .Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy()).Fit(train);
        double classic = ml.MulticlassClassification.Evaluate(bagOfWords.Transform(test)).MicroAccuracy;
        output.WriteLine($"accuracy: staircase {staircase:F3}, FeaturizeText + SdcaMaximumEntropy {classic:F3}");
        Assert.True(staircase > 0.9, $"staircase {staircase:F3}, bag of words {classic:F3}");
        Assert.True(classic < 0.75, $"staircase {staircase:F3}, bag of words {classic:F3}");
        Assert.Equal("Staircase", model.ModelKind);

        Synthetic.AssertSameScoresAfterSaveAndLoad(ml, model, train.Schema, test);
    }

}
