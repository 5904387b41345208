using System.Reflection;
using Microsoft.ML;
using MLNet.DeepText.Models;
using MLNet.DeepText.Training;
using static TorchSharp.torch;

namespace MLNet.DeepText.Tests;

/// <summary>
/// What every model family must do, checked on a tiny model of each (the rows of <see cref="Synthetic.AllFamilies"/>):
/// shapes, padding invariance, deterministic evaluation, spec and weights round trips, <c>Model.Save</c>/<c>Load</c>,
/// every architecture option reaching the spec, and invalid options named. Per-family test files keep their papers' invariants.
/// </summary>
public class ConformanceTests
{
    private const int VocabularySize = 60, Classes = 3;

    private static (TextClassifier Model, ClassifierSpec Spec) Build(string family, int seed = 1)
    {
        var spec = Synthetic.Tiny(family).CreateSpec(VocabularySize, Classes, wordVectors: null);
        var model = TorchRandom.Build(seed, spec.Build);
        model.eval();
        return (model, spec);
    }

    /// <summary>Texts of 1 to 48 tokens (the tiny MaxTokens), random ids past the reserved ones.</summary>
    private static readonly long[][] Sequences = [.. new[] { 1, 5, 17, 33, 48 }.Select(n =>
    {
        var rng = new Random(n);
        return Enumerable.Range(0, n).Select(_ => (long)rng.Next(ReservedTokenIds.Count, VocabularySize)).ToArray();
    })];

    private static float[][] Logits(TextClassifier model, IReadOnlyList<long[]> sequences, int batchSize) =>
        Predictor.Run(model, sequences, batchSize, CPU, model.forward);

    [Theory]
    [MemberData(nameof(Synthetic.AllFamilies), MemberType = typeof(Synthetic))]
    public void Outputs_have_the_documented_shapes(string family)
    {
        var (model, spec) = Build(family);
        using var _ = model;
        using var scope = NewDisposeScope();
        using var grad = no_grad();
        var (ids, mask) = Collate.Pad(Sequences, [.. Enumerable.Range(0, Sequences.Length)], CPU);
        Assert.Equal([Sequences.Length, Classes], model.forward(ids, mask).shape);
        Assert.Equal([Sequences.Length, spec.EmbeddingSize], model.Embed(ids, mask).shape);
        var (states, statesMask) = model.Encoder.call(ids, mask);
        Assert.Equal(3, states.dim());
        Assert.Equal(spec.Encoder.StateWidth, states.shape[2]);
        Assert.Equal(states.shape[..2], statesMask.shape);
        Assert.Equal(ScalarType.Bool, statesMask.dtype);
        Assert.True(statesMask.any(1).all().item<bool>(), "every text has a real state");
        Assert.False(states.isnan().any().item<bool>());
        Assert.Equal(family.Split(' ')[0], spec.Kind);   // "LongDocument over BERT" is a LongDocument
    }

    [Theory]
    [MemberData(nameof(Synthetic.AllFamilies), MemberType = typeof(Synthetic))]
    public void Padding_changes_no_prediction_and_evaluation_is_deterministic(string family)
    {
        var (model, _) = Build(family);
        using var _ = model;
        var batched = Logits(model, Sequences, batchSize: Sequences.Length);    // one batch: every text padded to 48 tokens
        Assert.Equal(batched, Logits(model, Sequences, batchSize: Sequences.Length));
        for (int i = 0; i < Sequences.Length; i++)
        {
            var alone = Logits(model, [Sequences[i]], 1)[0];
            for (int c = 0; c < Classes; c++) Assert.Equal(alone[c], batched[i][c], 1e-5);
        }
    }

    [Theory]
    [MemberData(nameof(Synthetic.AllFamilies), MemberType = typeof(Synthetic))]
    public void The_spec_round_trips_through_json_and_rebuilds_the_same_parameters(string family)
    {
        var (model, spec) = Build(family);
        using var _ = model;
        var back = ClassifierSpec.FromJson(spec.ToJson());
        Assert.Equal(spec.ToJson(), back.ToJson());
        Assert.Equal(spec, back);
        using var rebuilt = back.Build();
        Assert.Equal(model.named_parameters().Select(p => (p.name, string.Join(",", p.parameter.shape))),
            rebuilt.named_parameters().Select(p => (p.name, string.Join(",", p.parameter.shape))));
    }

    [Theory]
    [MemberData(nameof(Synthetic.AllFamilies), MemberType = typeof(Synthetic))]
    public void Weights_round_trip_into_a_differently_initialised_model(string family)
    {
        var (model, spec) = Build(family, seed: 1);
        var (other, _) = Build(family, seed: 2);
        using var a = model;
        using var b = other;
        Assert.NotEqual(Logits(model, Sequences, 8), Logits(other, Sequences, 8));
        using var stream = new MemoryStream();
        model.save(new BinaryWriter(stream));
        stream.Position = 0;
        other.load(new BinaryReader(stream));
        Assert.Equal(Logits(model, Sequences, 8), Logits(other, Sequences, 8));
    }

    [Theory]
    [MemberData(nameof(Synthetic.AllFamilies), MemberType = typeof(Synthetic))]
    public void A_trained_model_saves_and_loads_with_identical_scores(string family)
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(Synthetic.Tickets(64, seed: 1));
        var test = ml.Data.LoadFromEnumerable(Synthetic.Tickets(16, seed: 2));
        using var model = (IDisposable)Synthetic.TinyFamily(ml, family, _ => { }).Fit(train);
        Synthetic.AssertSameScoresAfterSaveAndLoad(ml, (ITransformer)model, train.Schema, test);
    }

    [Fact]
    public void A_model_saved_in_the_old_format_fails_to_load_naming_both_versions()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "TestData", "format-1.2-model.zip");   // saved by MLNet.DeepText 0.5
        var e = Assert.ThrowsAny<Exception>(() => new MLContext().Model.Load(path, out _)).GetBaseException();
        Assert.IsType<InvalidDataException>(e);
        Assert.Contains("format 1.2", e.Message);
        Assert.Contains("format 2.0", e.Message);
        Assert.Contains("Train the model again", e.Message);
    }

    /// <summary>Options that act in Fit rather than on the architecture (their effect is tested where named).</summary>
    private static readonly string[] NotArchitecture =
    [
        "PretrainingEpochs",                                           // LongDocumentTests: masked-token pretraining
        "EncoderFile", "EncoderVocabularyFile",                        // PretrainedEncoderTests: bring your own encoder
    ];

    private static IEnumerable<PropertyInfo> ArchitectureOptions(string family) =>
        Synthetic.TinyOptionsType(family).GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Where(p => p.CanWrite && p.SetMethod!.IsPublic && !NotArchitecture.Contains(p.Name));

    [Theory]
    [MemberData(nameof(Synthetic.AllFamilies), MemberType = typeof(Synthetic))]
    public void Every_architecture_option_reaches_the_spec(string family)
    {
        string baseline = Synthetic.Tiny(family).CreateSpec(VocabularySize, Classes, null).ToJson();
        foreach (var property in ArchitectureOptions(family))
        {
            bool changed = false;
            foreach (var value in OtherValues(property, property.GetValue(Synthetic.Tiny(family))))
            {
                var options = Synthetic.Tiny(family);
                property.SetValue(options, value);
                try { options.Validate(); } catch (ArgumentException) { continue; }
                changed = options.CreateSpec(VocabularySize, Classes, null).ToJson() != baseline;
                if (changed) break;   // e.g. another preset of the same size changes nothing the tiny options set explicitly
            }
            Assert.True(changed, $"{family}: a valid new value of {property.Name} leaves the spec as it was");
        }
    }

    [Theory]
    [MemberData(nameof(Synthetic.AllFamilies), MemberType = typeof(Synthetic))]
    public void Invalid_options_are_named(string family)
    {
        foreach (var property in ArchitectureOptions(family))
        {
            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            object? invalid = type == typeof(int) ? -1 : type == typeof(double) ? -1.0 : type.IsEnum ? Enum.ToObject(type, 999) : null;
            if (invalid is null) continue;                                                                   // bools: every value is valid
            var options = Synthetic.Tiny(family);
            property.SetValue(options, invalid);
            var e = Assert.ThrowsAny<ArgumentException>(options.Validate);
            Assert.Equal(property.Name, e.ParamName);
            Assert.Contains(property.Name, e.Message);
        }
    }

    /// <summary>Candidate new values for a property, nearest first.</summary>
    private static IEnumerable<object?> OtherValues(PropertyInfo property, object? current)
    {
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        if (type == typeof(bool)) return [!(bool)current!];
        if (type.IsEnum) return Enum.GetValues(type).Cast<object>().Where(v => !v.Equals(current));
        if (type == typeof(int))
        {
            int c = (int?)current ?? 0;
            return new[] { c * 2, c + 1, c - 1, 1, 2, 4, 8, 16, 64 }.Where(v => v != c).Distinct().Cast<object?>();
        }
        if (type == typeof(double))
        {
            double c = (double?)current ?? 0;
            return new[] { c * 0.5, c + 0.1, c * 2, 0.2, 1.0, 4.0 }.Where(v => v != c).Distinct().Cast<object?>();
        }
        throw new NotSupportedException($"{property.Name}: no test values for {type.Name}.");
    }
}
