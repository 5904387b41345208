using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.DeepText.Tests;

public sealed class Ticket
{
    public string Queue { get; set; } = "";
    public string? Text { get; set; }
}

public sealed class TicketPrediction
{
    public string PredictedQueue { get; set; } = "";
    public float[] Score { get; set; } = [];
}

/// <summary>
/// A learnable synthetic ticket task: each text is random filler words with one or two words from its class's
/// own word list at random positions. Chance is 25%; a bag-of-words model gets it right, so must we.
/// </summary>
public static class Synthetic
{
    public static readonly string[] Queues = ["billing", "shipping", "technical", "account"];

    private static readonly string[][] Keywords =
    [
        ["invoice", "refund", "charge", "payment", "receipt"],
        ["parcel", "delivery", "courier", "tracking", "warehouse"],
        ["crash", "error", "install", "update", "freeze"],
        ["password", "login", "username", "profile", "signup"],
    ];

    private static readonly string[] Filler =
        ("the a my your please help hello thanks team today yesterday week again still now very urgent issue problem " +
         "question need want could would should tried checked about with from since when where order item customer").Split(' ');

    public static List<Ticket> Tickets(int count, int seed, int minWords = 6, int maxWords = 16)
    {
        var rng = new Random(seed);
        var rows = new List<Ticket>(count);
        for (int i = 0; i < count; i++)
        {
            int c = rng.Next(Queues.Length);
            var words = Enumerable.Range(0, rng.Next(minWords, maxWords + 1)).Select(_ => Filler[rng.Next(Filler.Length)]).ToList();
            int keys = rng.Next(1, 3);
            for (int k = 0; k < keys; k++) words.Insert(rng.Next(words.Count + 1), Keywords[c][rng.Next(Keywords[c].Length)]);
            rows.Add(new Ticket { Queue = Queues[c], Text = string.Join(' ', words) });
        }
        return rows;
    }

    /// <summary>The rows with a key-typed "Label" made from their queue (keys learned from these rows).</summary>
    public static IDataView Keyed(MLContext ml, IEnumerable<Ticket> rows)
    {
        var data = ml.Data.LoadFromEnumerable(rows);
        return ml.Transforms.Conversion.MapValueToKey("Label", nameof(Ticket.Queue)).Fit(data).Transform(data);
    }

    /// <summary>Small, fast settings for tests.</summary>
    public static TransformerEncoderOptions TinyOptions(Action<TransformerEncoderOptions>? configure = null)
    {
        var o = new TransformerEncoderOptions
        {
            Width = 32, NumberOfLayers = 1, NumberOfHeads = 2, MlpRatio = 2,
            MaxTokens = 48, MaxEpochs = 8, BatchSize = 16, LearningRate = 3e-3, EarlyStoppingPatience = 3,
            MinTokenCount = 1, Seed = 7,
        };
        configure?.Invoke(o);
        return o;
    }

    public static EstimatorChain<Microsoft.ML.Transforms.KeyToValueMappingTransformer> Pipeline(MLContext ml, TransformerEncoderOptions options) =>
        ml.Transforms.Conversion.MapValueToKey("Label", nameof(Ticket.Queue))
            .Append(ml.MulticlassClassification.Trainers.TransformerEncoder(options))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedQueue", "PredictedLabel"));

    /// <summary>
    /// The conformance table: every model family by name with tiny options (small widths, 48 tokens, one epoch).
    /// Adding a family to the library = one row here; <see cref="ConformanceTests"/> then checks it.
    /// </summary>
    private static readonly Dictionary<string, Func<DeepTextOptions>> s_families = new()
    {
        ["TransformerEncoder"] = () => TinyOptions(),
        ["CompactTransformer"] = () => new CompactTransformerOptions { Width = 32, NumberOfHeads = 2, NumberOfLayers = 1, WordVectorSize = 32 },
        ["Staircase"] = () => new StaircaseOptions { ChunkSize = 8, Width = 32, NumberOfHeads = 2, MlpRatio = 2, NumberOfLayers = 1 },
        ["LongDocument"] = () => new LongDocumentOptions { ChunkTokens = 16, WordVectorSize = 32, Width = 32, NumberOfHeads = 2, NumberOfLayers = 1, NumberOfGlobalLayers = 1 },
        ["PretrainedTransformer"] = () => PretrainedTransformerTests.Tiny(o => o.LearningRate = 1e-3),
        ["LongDocument over BERT"] = () => PretrainedChunkEncoderTests.Tiny(fineTunedLayers: 1, o => (o.ChunkTokens, o.HeadTailTokens) = (16, 32)),
    };

    /// <summary>Every model family (the conformance suite's theories).</summary>
    public static TheoryData<string> AllFamilies => [.. s_families.Keys];

    /// <summary>The families trained from scratch (the pretrained ones have their own tests of learning and loading).</summary>
    public static TheoryData<string> Families => [.. s_families.Keys.Where(f => f is not ("PretrainedTransformer" or "LongDocument over BERT"))];

    /// <summary>Tiny options of <paramref name="family"/>: 48 tokens, one epoch, every token kept, seed 7, batch 16.</summary>
    public static DeepTextOptions Tiny(string family)
    {
        var options = s_families[family]();
        options.MaxTokens = 48; options.MaxEpochs = 1; options.MinTokenCount = 1; options.Seed = 7; options.BatchSize = 16;
        return options;
    }

    /// <summary>The options type of <paramref name="family"/>.</summary>
    public static Type TinyOptionsType(string family) => s_families[family]().GetType();

    /// <summary>The trainer of <paramref name="options"/>' family, as its catalog method makes it.</summary>
    public static IEstimator<ITransformer> Trainer(MLContext ml, DeepTextOptions options) =>
        (IEstimator<DeepTextTransformer>)Activator.CreateInstance(typeof(DeepTextTrainer<>).MakeGenericType(options.GetType()),
            System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance, null,
            [MlNetBridge.GetEnvironment(ml.MulticlassClassification.Trainers), options], null)!;

    /// <summary>MapValueToKey("Label", "Queue") and a tiny trainer of <paramref name="family"/> configured by <paramref name="configure"/>.</summary>
    public static IEstimator<ITransformer> TinyFamily(MLContext ml, string family, Action<DeepTextOptions> configure)
    {
        var options = Tiny(family);
        configure(options);
        return ml.Transforms.Conversion.MapValueToKey("Label", nameof(Ticket.Queue)).Append(Trainer(ml, options));
    }

    /// <summary>Saves <paramref name="model"/>, loads it in a fresh <see cref="MLContext"/> (as another process would) and asserts identical scores on <paramref name="data"/>.</summary>
    public static void AssertSameScoresAfterSaveAndLoad(MLContext ml, ITransformer model, DataViewSchema inputSchema, IDataView data)
    {
        var path = Path.Combine(Path.GetTempPath(), $"deeptext-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.Save(model, inputSchema, path);
            var loaded = new MLContext().Model.Load(path, out _);
            try
            {
                var before = model.Transform(data).GetColumn<float[]>("Score").ToArray();
                var after = loaded.Transform(data).GetColumn<float[]>("Score").ToArray();
                Assert.Equal(before.Length, after.Length);
                for (int i = 0; i < before.Length; i++) Assert.Equal(before[i], after[i]);
            }
            finally { (loaded as IDisposable)?.Dispose(); }
        }
        finally { File.Delete(path); }
    }
}
