using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.DeepText.Models;
using MLNet.DeepText.Text;

namespace MLNet.DeepText.Tests;

/// <summary>
/// Every option of every family changes what is trained: a one-epoch fit with the option set to another valid value
/// scores differently from the same fit with the default. An option that the mapping or the model ignored would give
/// identical scores. A second test makes sure every public option has a row here (or is tested elsewhere).
/// </summary>
public class OptionsReachTheModelTests
{
    /// <summary>Family, option, value, and a setting applied to both fits where the option only acts in its presence.</summary>
    public static TheoryData<string, string, object, string?> Changes => new()
    {
        // Shared training and text options (on the TransformerEncoder).
        { "TransformerEncoder", "MaxTokens", 6, null },
        { "TransformerEncoder", "Truncation", TruncationPolicy.Tail, "MaxTokens=6" },
        { "TransformerEncoder", "MinTokenCount", 3, null },
        { "TransformerEncoder", "MaxVocabularySize", 20, null },
        { "TransformerEncoder", "BatchSize", 8, null },
        { "TransformerEncoder", "MaxEpochs", 2, null },
        { "TransformerEncoder", "LearningRate", 1e-3, null },
        { "TransformerEncoder", "WeightDecay", 0.5, null },
        { "TransformerEncoder", "WarmupFraction", 0.5, null },
        { "TransformerEncoder", "LearningRateDecay", LearningRateDecay.None, null },
        { "TransformerEncoder", "MaxTrainingTime", TimeSpan.FromTicks(1), null },   // stops after the first step
        { "TransformerEncoder", "LabelSmoothing", 0.0, null },
        { "TransformerEncoder", "GradientClipNorm", 0.05, null },
        { "TransformerEncoder", "ValidationFraction", 0.3, null },
        { "TransformerEncoder", "Seed", 8, null },
        // TransformerEncoder
        { "TransformerEncoder", "Width", 16, null },
        { "TransformerEncoder", "NumberOfLayers", 2, null },
        { "TransformerEncoder", "NumberOfHeads", 4, null },
        { "TransformerEncoder", "MlpRatio", 1.0, null },
        { "TransformerEncoder", "Dropout", 0.4, null },
        { "TransformerEncoder", "AttentionDropout", 0.4, null },
        { "TransformerEncoder", "Pooling", PoolingKind.ClassToken, null },
        { "TransformerEncoder", "BagOfWordsSize", 8, null },
        { "TransformerEncoder", "Causal", true, null },
        // CompactTransformer
        { "CompactTransformer", "Preset", CompactTransformerPreset.Cvt2, null },
        { "CompactTransformer", "KernelSize", 3, null },
        { "CompactTransformer", "NumberOfLayers", 2, null },
        { "CompactTransformer", "NumberOfHeads", 4, null },
        { "CompactTransformer", "Width", 16, null },
        { "CompactTransformer", "MlpRatio", 2.0, null },                  // CCT-2 has 1
        { "CompactTransformer", "WordVectorSize", 16, null },
        { "CompactTransformer", "PositionalEncoding", PositionalEncodingKind.Learnable, null },
        { "CompactTransformer", "WordVectorDropout", 0.4, null },
        { "CompactTransformer", "Dropout", 0.4, null },
        { "CompactTransformer", "AttentionDropout", 0.4, null },
        { "CompactTransformer", "StochasticDepth", 0.4, "NumberOfLayers=2" },   // rises from 0 at the first block
        // Staircase
        { "Staircase", "Variant", StaircaseVariant.Ladder, null },
        { "Staircase", "ChunkSize", 4, null },
        { "Staircase", "Steps", 3, null },
        { "Staircase", "CacheChunks", 1, "Variant=CachedStaircase;ChunkSize=2" },
        { "Staircase", "Width", 16, null },
        { "Staircase", "NumberOfLayers", 2, null },
        { "Staircase", "NumberOfHeads", 4, null },
        { "Staircase", "MlpRatio", 1.0, null },
        { "Staircase", "Dropout", 0.4, null },
        { "Staircase", "AttentionDropout", 0.4, null },
        { "Staircase", "Attention", StaircaseAttention.Bidirectional, null },
        { "Staircase", "Pooling", PoolingKind.Mean, null },
        { "Staircase", "Positions", StaircasePositions.LearnedTable, null },
        { "Staircase", "FeedForwardDropout", 0.4, null },
        { "Staircase", "StateTokens", 2, null },
        { "Staircase", "RecurrentLayers", 0, null },
        // LongDocument
        { "LongDocument", "Mode", LongDocumentMode.HeadTail, null },
        { "LongDocument", "ChunkTokens", 24, null },
        { "LongDocument", "ChunkOverlap", 4, null },
        { "LongDocument", "TrainChunksPerDocument", 1, null },
        { "LongDocument", "HeadTailTokens", 16, "Mode=HeadTail" },
        { "LongDocument", "WordVectorSize", 16, null },
        { "LongDocument", "Width", 16, null },
        { "LongDocument", "NumberOfHeads", 4, null },
        { "LongDocument", "MlpRatio", 1.0, null },
        { "LongDocument", "NumberOfLayers", 2, null },
        { "LongDocument", "NumberOfGlobalLayers", 2, null },
        { "LongDocument", "Pooling", PoolingKind.Mean, null },
        { "LongDocument", "ConvolutionalTokenizer", false, null },
        { "LongDocument", "BagOfWordsSize", 8, null },
        { "LongDocument", "PretrainingEpochs", 1, null },
        { "LongDocument", "Dropout", 0.4, null },
        { "LongDocument", "AttentionDropout", 0.4, null },
        { "LongDocument", "StochasticDepth", 0.4, "NumberOfLayers=2" },
    };

    /// <summary>Options whose effect other tests check (named there), or that are not model or training settings.</summary>
    private static readonly string[] TestedElsewhere =
    [
        "LabelColumnName", "TextColumnName",                 // ErrorTests, KeyInputTests
        "PredictedLabelColumnName", "ScoreColumnName",       // Output_column_names_are_honoured (below)
        "Tokenizer", "TokenizerName",                        // TextAndTrainingUnitTests (custom tokenizers)
        "EarlyStoppingPatience", "ValidationSet",            // TrainingTests (early stopping, best epoch)
        "Device", "PredictionBatchSize",                     // DeviceAndSchemaTests; padding invariance (batching changes nothing)
        "Progress", "ProgressEverySteps", "CancellationToken", // TrainingTests
        "WordVectorFile", "FreezeWordVectors",               // WordVectorTests (every family)
        "BFloat16Scoring",                                   // PretrainedTransformerTests (only BERT encoders have the path)
    ];

    private static readonly List<Ticket> TrainRows = Synthetic.Tickets(120, seed: 21);
    private static readonly List<Ticket> TestRows = Synthetic.Tickets(40, seed: 22);

    private static float[][] Scores(string family, params (string Name, object Value)[] settings)
    {
        var ml = new MLContext(seed: 1);
        var pipeline = Synthetic.TinyFamily(ml, family, o =>
        {
            foreach (var (name, value) in settings) o.GetType().GetProperty(name)!.SetValue(o, value);
        });
        using var model = (IDisposable)pipeline.Fit(ml.Data.LoadFromEnumerable(TrainRows));
        return ((ITransformer)model).Transform(ml.Data.LoadFromEnumerable(TestRows)).GetColumn<float[]>("Score").ToArray();
    }

    private static (string, object)[] Context(string family, string? context) =>
        context is null ? [] : context.Split(';').Select(kv =>
        {
            var (name, text) = (kv.Split('=')[0], kv.Split('=')[1]);
            var type = Synthetic.TinyOptionsType(family).GetProperty(name)!.PropertyType;
            object value = type.IsEnum ? Enum.Parse(type, text) : Convert.ChangeType(text, Nullable.GetUnderlyingType(type) ?? type, System.Globalization.CultureInfo.InvariantCulture);
            return (name, value);
        }).ToArray();

    [Theory]
    [MemberData(nameof(Changes))]
    public void The_option_changes_the_trained_model(string family, string option, object value, string? context)
    {
        var both = Context(family, context);
        var baseline = Scores(family, both);
        var changed = Scores(family, [.. both, (option, value)]);
        Assert.NotEqual(baseline, changed);
    }

    [Theory]
    [MemberData(nameof(Synthetic.Families), MemberType = typeof(Synthetic))]
    public void Every_option_has_a_row_here_or_a_test_elsewhere(string family)
    {
        var covered = Changes.Where(row => (string)row[0] == family || (string)row[0] == "TransformerEncoder" && typeof(DeepTextOptions).GetProperty((string)row[1]) is not null)
            .Select(row => (string)row[1]).Concat(TestedElsewhere).ToHashSet();
        var options = Synthetic.TinyOptionsType(family).GetProperties().Where(p => p.CanWrite && p.SetMethod!.IsPublic).Select(p => p.Name);
        Assert.DoesNotContain(options, o => !covered.Contains(o));
    }

    [Fact]
    public void Output_column_names_are_honoured()
    {
        var ml = new MLContext(seed: 1);
        var pipeline = Synthetic.TinyFamily(ml, "TransformerEncoder", o => { o.PredictedLabelColumnName = "Route"; o.ScoreColumnName = "Confidence"; });
        using var model = (IDisposable)pipeline.Fit(ml.Data.LoadFromEnumerable(TrainRows));
        var output = ((ITransformer)model).Transform(ml.Data.LoadFromEnumerable(TestRows));
        Assert.NotNull(output.Schema.GetColumnOrNull("Route"));
        Assert.Null(output.Schema.GetColumnOrNull("PredictedLabel"));
        var metrics = ml.MulticlassClassification.Evaluate(output, predictedLabelColumnName: "Route", scoreColumnName: "Confidence");
        Assert.InRange(metrics.MicroAccuracy, 0, 1);
    }
}
