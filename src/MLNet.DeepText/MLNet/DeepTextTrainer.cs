using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLNet.DeepText.Models;
using MLNet.DeepText.Text;
using MLNet.DeepText.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.DeepText;

/// <summary>
/// The ML.NET estimator of every DeepText model family: reads the text and key-typed label columns, learns the
/// compact vocabulary, builds the family's model from the spec its options make, trains it with the shared loop and
/// returns a <see cref="DeepTextTransformer"/>. The family is the options type, e.g.
/// <c>DeepTextTrainer&lt;StaircaseOptions&gt;</c>.
/// </summary>
/// <typeparam name="TOptions">The model family's options.</typeparam>
public sealed class DeepTextTrainer<TOptions> : IEstimator<DeepTextTransformer> where TOptions : DeepTextOptions
{
    private readonly IHostEnvironment _env;

    /// <summary>The options this trainer was created with (validated).</summary>
    public TOptions Options { get; }

    internal DeepTextTrainer(IHostEnvironment env, TOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _env = env;
        Options = options;
    }

    /// <summary>Checks the input schema and describes the output columns.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        var label = FindShapeColumn(inputSchema, Options.LabelColumnName, "label");
        if (label.Kind != SchemaShape.Column.VectorKind.Scalar || !label.IsKey)
            throw LabelNotKey(Options.LabelColumnName, Describe(label));
        TextInput.Check(inputSchema, Options.TextColumnName);

        var columns = inputSchema.ToDictionary(c => c.Name);
        var keyValues = label.Annotations.Where(a => a.Name == "KeyValues").ToArray();
        columns[Options.PredictedLabelColumnName] = MlNetBridge.ShapeColumn(Options.PredictedLabelColumnName,
            SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.UInt32, isKey: true, keyValues);
        columns[Options.ScoreColumnName] = MlNetBridge.ShapeColumn(Options.ScoreColumnName,
            SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single, isKey: false,
            [
                MlNetBridge.ShapeColumn("SlotNames", SchemaShape.Column.VectorKind.Vector, TextDataViewType.Instance, false),
                MlNetBridge.ShapeColumn("ScoreColumnKind", SchemaShape.Column.VectorKind.Scalar, TextDataViewType.Instance, false),
                MlNetBridge.ShapeColumn("ScoreValueKind", SchemaShape.Column.VectorKind.Scalar, TextDataViewType.Instance, false),
            ]);
        return new SchemaShape(columns.Values);
    }

    /// <summary>Trains the model on <paramref name="input"/>.</summary>
    public DeepTextTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        Options.Validate();   // again: the options object may have been changed since the trainer was made
        var host = _env.Register(typeof(TOptions).Name);
        using var channel = host.Start("Training");
        var o = Options;
        var (labelColumn, numberOfClasses) = CheckLabel(input.Schema, o.LabelColumnName);
        bool keys = TextInput.IsKeyVector(TextInput.Check(input.Schema, o.TextColumnName).Type);
        if (o.ValidationSet is not null)
        {
            var (_, validationClasses) = CheckLabel(o.ValidationSet.Schema, o.LabelColumnName);
            if (validationClasses != numberOfClasses)
                throw new ArgumentException(
                    $"The ValidationSet's label column '{o.LabelColumnName}' is a key with {validationClasses} values but the training data's has {numberOfClasses}. " +
                    "Map both with the same fitted MapValueToKey transformer so that the keys mean the same classes.", nameof(o.ValidationSet));
            TextInput.Check(o.ValidationSet.Schema, o.TextColumnName, keys);
        }
        if (o.Tokenizer is not null) DeepTextTokenizers.Register(o.TokenizerName, o.Tokenizer);
        int seed = o.Seed ?? host.Rand.Next();
        var (gpuDeviceId, fallbackToCpu) = MlNetBridge.GetDeviceSettings(_env);
        var device = DeviceSelector.Select(o.Device, gpuDeviceId, fallbackToCpu, m => Info(channel, m));

        var encoder = new TextEncoder(o.TokenizerName, o.DocumentTokens, o.Truncation);
        var (trainTokens, trainLabels) = Read(input, encoder, channel, "training");
        if (trainTokens.Count == 0)
            throw new InvalidOperationException(
                $"The training data has no rows with a label in column '{o.LabelColumnName}'; there is nothing to train on.");
        int distinct = trainLabels.Distinct().Count();
        if (distinct < 2 || numberOfClasses < 2)
            throw new InvalidOperationException(
                $"The training data has {distinct} class(es) in label column '{o.LabelColumnName}' (its key type has {numberOfClasses}); a classifier needs at least two.");

        List<int[]> validTokens; List<int> validLabels;
        if (o.ValidationSet is not null)
        {
            (validTokens, validLabels) = Read(o.ValidationSet, encoder, channel, "validation");
        }
        else
        {
            var (trainIdx, validIdx) = TokenizedDataset.StratifiedSplit(trainLabels, o.ValidationFraction, seed);
            validTokens = validIdx.Select(i => trainTokens[i]).ToList();
            validLabels = validIdx.Select(i => trainLabels[i]).ToList();
            trainTokens = trainIdx.Select(i => trainTokens[i]).ToList();
            trainLabels = trainIdx.Select(i => trainLabels[i]).ToList();
        }

        var pretrained = o.ReadWordVectors(DeepTextTokenizers.Get(o.TokenizerName));
        if (pretrained is not null && keys)
            throw new ArgumentException($"Word vectors (WordVectorFile) are matched to the tokenizer's tokens, but column '{o.TextColumnName}' holds keys of your own; use a text column or drop WordVectorFile.", nameof(o.WordVectorFile));
        if (pretrained is not null)
            Info(channel, $"Word vectors: {pretrained.WordCount:N0} words of dimension {pretrained.Dimension} read from '{pretrained.Path}', {pretrained.TokenizerIds.Count:N0} of them are single tokens.");
        o.LearnVocabulary(encoder, trainTokens, pretrained);
        var train = new TokenizedDataset(trainTokens.Select(encoder.ToModelIds).ToArray(), trainLabels);
        var validation = new TokenizedDataset(validTokens.Select(encoder.ToModelIds).ToArray(), validLabels);
        Info(channel, $"{train.Count} training rows, {validation.Count} validation rows, {numberOfClasses} classes, " +
            $"vocabulary {encoder.Vocabulary!.Size} ids, device {device}, seed {seed}.");

        var spec = o.CreateSpec(encoder.Vocabulary.Size, numberOfClasses, pretrained);
        var model = TorchRandom.Build(seed, spec.Build);
        try
        {
            using var random = TorchRandom.Use(seed, device);   // this run's generator for dropout and sampling
            if (pretrained is not null)
            {
                var table = pretrained.EmbeddingTable(encoder.Vocabulary, seed, out int fromFile);
                using var vectors = torch.tensor(table, [encoder.Vocabulary.Size, pretrained.Dimension]);
                model.SetWordVectors(vectors);
                Info(channel, $"Word vectors: {fromFile:N0} of the {encoder.Vocabulary.Size:N0} vocabulary rows come from '{pretrained.Path}'.");
            }
            o.InitializeModel(model, m => Info(channel, m));
            model.to(device);
            Info(channel, $"{spec.Kind}: {model.ParameterCount:N0} parameters.");
            var settings = o.ToTrainingSettings(seed);
            o.Pretrain(model, spec, train, settings, device, m => Info(channel, m), () => MlNetBridge.IsCanceled(host));
            var trainer = new ClassifierTrainer(settings, device)
            {
                Progress = new Relay(p => { Info(channel, p.ToString()); o.Progress?.Report(p); }),
                IsCanceled = () => MlNetBridge.IsCanceled(host),
                CancellationToken = o.CancellationToken,
                ProgressEverySteps = o.ProgressEverySteps,
            };
            var summary = trainer.Train(model, train, validation);
            Info(channel, $"Training done: best epoch {summary.BestEpoch} of {summary.EpochsRun}, {(summary.BestValidationAccuracy is { } accuracy ? $"validation accuracy {accuracy:F4}" : "no validation data: kept the epoch with the lowest training loss")}, {summary.Elapsed.TotalSeconds:F1}s.");
            return new DeepTextTransformer(model, spec, encoder, device, LabelKeyValues.FromColumn(labelColumn),
                o.TextColumnName, o.PredictedLabelColumnName, o.ScoreColumnName, o.PredictionBatchSize, summary, inputIsKeys: keys,
                bfloat16Scoring: o.BFloat16Scoring);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Reads (tokenizer ids, 0-based label) of every row whose label is present; logs how many were skipped.</summary>
    private (List<int[]> Tokens, List<int> Labels) Read(IDataView data, TextEncoder encoder, IChannel channel, string what)
    {
        var tokens = new List<int[]>();
        var labels = new List<int>();
        var labelColumn = data.Schema[Options.LabelColumnName];
        var textColumn = data.Schema[Options.TextColumnName];
        long skipped = 0;
        using (var cursor = data.GetRowCursor([labelColumn, textColumn]))
        {
            var getLabel = cursor.GetGetter<uint>(labelColumn);
            var readTokens = TextInput.Reader(cursor, textColumn, encoder);
            uint label = 0;
            while (cursor.MoveNext())
            {
                getLabel(ref label);
                if (label == 0) { skipped++; continue; }
                tokens.Add(readTokens());
                labels.Add((int)label - 1);
            }
        }
        if (skipped > 0)
            Info(channel, $"Skipped {skipped} {what} row(s) with a missing label in column '{Options.LabelColumnName}'.");
        return (tokens, labels);
    }

    private static (DataViewSchema.Column Column, int Classes) CheckLabel(DataViewSchema schema, string name)
    {
        var column = schema.GetColumnOrNull(name)
            ?? throw new ArgumentOutOfRangeException(nameof(schema),
                $"The label column '{name}' was not found in the input data. Available columns: {string.Join(", ", schema.Select(c => c.Name))}. " +
                $"Set LabelColumnName (labelColumnName), or create it with mlContext.Transforms.Conversion.MapValueToKey(\"{name}\", \"<your label column>\").");
        if (column.Type is not KeyDataViewType key)
            throw LabelNotKey(name, column.Type.ToString() ?? "?");
        if (key.RawType != typeof(uint))
            throw new ArgumentOutOfRangeException(nameof(schema), $"The label column '{name}' is a key of {key.RawType.Name}; a UInt32 key is required (MapValueToKey produces one by default).");
        return (column, (int)Math.Min(key.Count, int.MaxValue));
    }

    private static ArgumentOutOfRangeException LabelNotKey(string name, string type) => new("inputSchema",
        $"The label column '{name}' has type {type}, but a key type is required. Convert it first with " +
        $"mlContext.Transforms.Conversion.MapValueToKey(\"{name}\") (and MapKeyToValue(\"PredictedLabel\") after the trainer to get the original values back).");

    private static SchemaShape.Column FindShapeColumn(SchemaShape schema, string name, string role) =>
        schema.Any(c => c.Name == name)
            ? schema.Last(c => c.Name == name)
            : throw new ArgumentOutOfRangeException(nameof(schema),
                $"The {role} column '{name}' was not found in the input data. Available columns: {string.Join(", ", schema.Select(c => c.Name))}.");

    private static string Describe(SchemaShape.Column c) =>
        (c.IsKey ? "Key<" + c.ItemType + ">" : c.ItemType.ToString()) + (c.Kind == SchemaShape.Column.VectorKind.Scalar ? "" : " vector");

    private static void Info(IChannel channel, string message) => channel.Info(MessageSensitivity.None, message);

    private sealed class Relay(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
