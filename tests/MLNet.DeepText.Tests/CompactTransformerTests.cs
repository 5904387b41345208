using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.DeepText.Models;
using MLNet.DeepText.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.DeepText.Tests;

public class CompactTransformerTests
{
    private static TextClassifier Tiny(CompactTransformerPreset preset, int kernel,
        PositionalEncodingKind positions = PositionalEncodingKind.Sinusoidal)
    {
        torch.manual_seed(3);
        var (_, _, _, _, tokenizer, classToken) = CompactTransformerPresets.Settings(preset);
        var model = Build(new CompactTransformerSpec(60, MaxTokens: 40, WordVectorSize: 12, Width: 16,
            NumberOfLayers: 2, NumberOfHeads: 2, Tokenizer: tokenizer, KernelSize: kernel, ClassToken: classToken, PositionalEncoding: positions), 3);
        model.eval();
        // Large random weights, so that what a token attends to shows in the output (the paper's init is near zero).
        using var _ = no_grad();
        foreach (var p in model.parameters()) nn.init.normal_(p, 0, 0.5);
        return model;
    }

    // The official README's counts without the embedding table (300-d word vectors, AGNews' 4 classes), in millions.
    [Theory]
    [InlineData(CompactTransformerPreset.Cct2, 1, 0.238)]
    [InlineData(CompactTransformerPreset.Cct2, 2, 0.276)]
    [InlineData(CompactTransformerPreset.Cct2, 4, 0.353)]
    [InlineData(CompactTransformerPreset.Cct4, 1, 0.436)]
    [InlineData(CompactTransformerPreset.Cct4, 2, 0.475)]
    [InlineData(CompactTransformerPreset.Cct4, 4, 0.551)]
    [InlineData(CompactTransformerPreset.Cct6, 1, 3.237)]
    [InlineData(CompactTransformerPreset.Cct6, 2, 3.313)]
    [InlineData(CompactTransformerPreset.Cct6, 4, 3.467)]
    [InlineData(CompactTransformerPreset.Cvt2, 2, 0.276)]
    [InlineData(CompactTransformerPreset.VitLite4, 4, 0.551)]
    [InlineData(CompactTransformerPreset.Cvt6, 1, 3.237)]
    public void Presets_have_the_papers_parameter_counts(CompactTransformerPreset preset, int kernel, double millions)
    {
        var (layers, heads, width, ratio, tokenizer, classToken) = CompactTransformerPresets.Settings(preset);
        using var model = Build(new CompactTransformerSpec(10, MaxTokens: 64, WordVectorSize: 300,
            Width: width, NumberOfLayers: layers, NumberOfHeads: heads, MlpRatio: ratio, Tokenizer: tokenizer, KernelSize: kernel, ClassToken: classToken), 4);
        Assert.Equal(millions, WithoutWordVectors(model) / 1e6, 1e-3);
        Assert.Equal(10 * 300, model.Encoder.WordVectors!.numel());
    }

    /// <summary>The paper's count: every parameter but the word-vector table (head included).</summary>
    private static long WithoutWordVectors(TextClassifier model) => model.ParameterCount - model.Encoder.WordVectors!.numel();

    private static TextClassifier Build(CompactTransformerSpec spec, int classes) =>
        new ClassifierSpec(spec, classes, spec.ClassToken ? PoolingKind.ClassToken : PoolingKind.Attention).Build();

    [Fact]
    public void Cct2_with_kernel_1_has_exactly_the_computed_parameter_count()
    {
        // conv 300·128 + 2 blocks × (2 LN + qkv 128·384 + proj 128·129 + MLP 2·128·129) + final LN + SeqPool 129 + head 129·4.
        using var model = Build(new CompactTransformerSpec(10, MaxTokens: 64, WordVectorSize: 300, KernelSize: 1), 4);
        Assert.Equal(237_701, WithoutWordVectors(model));
    }

    [Theory]
    [InlineData(1, 34)]
    [InlineData(2, 33)]
    [InlineData(4, 33)]
    public void The_convolutional_tokenizer_halves_64_tokens_as_in_the_paper(int kernel, int expected)
    {
        var spec = new CompactTransformerSpec(10, MaxTokens: 64, KernelSize: kernel);
        Assert.Equal(expected, spec.TokensAfterTokenizer(64));
    }

    [Theory]
    [InlineData(CompactTransformerPreset.Cct2, 1, PositionalEncodingKind.Sinusoidal)]
    [InlineData(CompactTransformerPreset.Cct2, 2, PositionalEncodingKind.Sinusoidal)]
    [InlineData(CompactTransformerPreset.Cct4, 4, PositionalEncodingKind.Learnable)]
    [InlineData(CompactTransformerPreset.Cct2, 6, PositionalEncodingKind.Sinusoidal)]
    [InlineData(CompactTransformerPreset.Cvt2, 2, PositionalEncodingKind.Sinusoidal)]
    [InlineData(CompactTransformerPreset.Cvt2, 3, PositionalEncodingKind.None)]
    [InlineData(CompactTransformerPreset.VitLite2, 4, PositionalEncodingKind.Learnable)]
    public void Padding_never_changes_a_prediction(CompactTransformerPreset preset, int kernel, PositionalEncodingKind positions)
    {
        using var model = Tiny(preset, kernel, positions);
        using var _ = no_grad();
        var rng = new Random(1);
        long[] Sequence(int n) => Enumerable.Range(0, n).Select(_ => (long)rng.Next(3, 60)).ToArray();
        var sequences = new[] { 1, 2, 3, 5, 8, 13, 40 }.Select(Sequence).ToArray();
        var (ids, mask) = Collate.Pad(sequences, Enumerable.Range(0, sequences.Length).ToArray(), CPU);   // one padded batch
        using var batched = model.Embed(ids, mask);
        for (int i = 0; i < sequences.Length; i++)
        {
            using var alone = model.Embed(tensor(sequences[i], [1, sequences[i].Length]), ones(1, sequences[i].Length, dtype: ScalarType.Bool));
            Assert.True(alone[0].allclose(batched[i], atol: 1e-5), $"sequence of {sequences[i].Length} tokens");
        }
        // The mask is what makes this hold: the 5-token sequence with its padding counted as real words differs.
        using var unmasked = model.Embed(ids[3..4], ones(1, ids.shape[1], dtype: ScalarType.Bool));
        Assert.False(unmasked[0].allclose(batched[3], atol: 1e-3));
        ids.Dispose(); mask.Dispose();
    }

    [Fact]
    public void Sequence_pooling_gives_padded_states_no_weight()
    {
        torch.manual_seed(2);
        using var pooling = new Pooling(PoolingKind.Attention, 4);
        using var _ = no_grad();
        using var states = randn(1, 5, 4);
        using var mask = tensor(new[] { true, true, true, false, false }, [1, 5]);
        using var pooled = pooling.forward(states, mask);
        using var poisoned = states.clone();
        poisoned[0, 3] = full(4, 1e6f);
        poisoned[0, 4] = full(4, -1e6f);
        using var pooledPoisoned = pooling.forward(poisoned, mask);
        using var realOnly = pooling.forward(states[.., ..3], mask[.., ..3]);
        Assert.True(pooled.allclose(pooledPoisoned));
        Assert.True(pooled.allclose(realOnly, atol: 1e-6));
    }

    [Fact]
    public void Sinusoidal_encoding_matches_the_formula()
    {
        using var pe = CompactTransformer.Sinusoid(7, 6, CPU);
        Assert.Equal(new long[] { 1, 7, 6 }, pe.shape);
        Assert.Equal(Math.Sin(5), pe[0, 5, 0].item<float>(), 1e-5);
        Assert.Equal(Math.Cos(5 / Math.Pow(10000, 2.0 / 6)), pe[0, 5, 3].item<float>(), 1e-5);
    }

    [Fact]
    public void Stochastic_depth_drops_whole_examples_only_while_training()
    {
        using var dropPath = new DropPath(0.5);
        torch.manual_seed(4);
        using var x = ones(64, 3, 2);
        dropPath.train();
        using var dropped = dropPath.forward(x);
        using var perExample = dropped.sum([1, 2]);              // 0 (dropped) or 6 × 2 (kept, scaled by 1/(1−p))
        Assert.True(perExample.eq(0).logical_or(perExample.eq(12)).all().item<bool>());
        Assert.InRange(perExample.eq(0).sum().item<long>(), 16, 48);
        dropPath.eval();
        using var kept = dropPath.forward(x);
        Assert.True(kept.allclose(x));
    }

    [Fact]
    public void Learns_the_synthetic_ticket_task_and_round_trips_through_save_and_load()
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(Synthetic.Tickets(600, seed: 1));
        var test = ml.Data.LoadFromEnumerable(Synthetic.Tickets(200, seed: 2));
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label", nameof(Ticket.Queue))
            .Append(ml.MulticlassClassification.Trainers.CompactTransformer(TinyOptions()));
        using var model = pipeline.Fit(train);
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));
        Assert.True(metrics.MicroAccuracy > 0.9, $"accuracy {metrics.MicroAccuracy:F3} (chance 0.25)");
        Assert.Equal("CompactTransformer", model.LastTransformer.ModelKind);

        Synthetic.AssertSameScoresAfterSaveAndLoad(ml, model, train.Schema, test);
    }

    [Fact]
    public void Vector_files_with_a_header_are_read_and_malformed_ones_are_rejected_with_the_line()
    {
        var tokenizer = DeepTextTokenizers.Get(DeepTextTokenizers.Default);
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(path, ["2 3", "hello 0.1 0.2 0.3", "world -1 0 1e-2"]);
            var vectors = Text.PretrainedVectors.Load(path, tokenizer);
            Assert.Equal(3, vectors.Dimension);
            Assert.Equal(2, vectors.WordCount);
            Assert.Contains(tokenizer.EncodeToIds(" hello")[0], vectors.TokenizerIds);

            File.WriteAllLines(path, ["hello 0.1 0.2 0.3", "world 0.1 zero 0.3"]);
            var e = Assert.Throws<InvalidDataException>(() => Text.PretrainedVectors.Load(path, tokenizer));
            Assert.Contains("line 2", e.Message);
            Assert.Contains("'zero'", e.Message);

            File.WriteAllLines(path, ["hello 0.1 0.2 0.3", "world 0.1"]);
            Assert.Contains("line 2", Assert.Throws<InvalidDataException>(() => Text.PretrainedVectors.Load(path, tokenizer)).Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    // Each option alone is checked for every family by ConformanceTests.Invalid_options_are_named.
    public void Options_that_only_make_sense_together_are_named()
    {
        var trainers = new MLContext().MulticlassClassification.Trainers;
        Assert.Contains("Width", Assert.Throws<ArgumentOutOfRangeException>(() => trainers.CompactTransformer(new CompactTransformerOptions { Width = 130, NumberOfHeads = 4 })).Message);
        Assert.Contains("WordVectorFile", Assert.Throws<ArgumentException>(() => trainers.CompactTransformer(new CompactTransformerOptions { WordVectorFile = "/no/such/vectors.txt" })).Message);
        Assert.Contains("FreezeWordVectors", Assert.Throws<ArgumentException>(() => trainers.CompactTransformer(new CompactTransformerOptions { FreezeWordVectors = true })).Message);
    }

    private static CompactTransformerOptions TinyOptions(Action<CompactTransformerOptions>? configure = null)
    {
        var o = new CompactTransformerOptions
        {
            MaxTokens = 48, MaxEpochs = 10, EarlyStoppingPatience = 3, MinTokenCount = 1, Seed = 7,   // the default CCT-2 architecture
        };
        configure?.Invoke(o);
        return o;
    }
}
