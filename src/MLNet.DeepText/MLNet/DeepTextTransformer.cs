using System.Text.Json;
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
/// A fitted DeepText classifier (every model family produces this type). It reads the text column and adds
/// <c>PredictedLabel</c> (a key carrying the training label's values) and <c>Score</c> (softmax probabilities,
/// one slot per class, slot names = class names). <c>Transform</c> scores rows in batches; it works with
/// <c>PredictionEngine</c>, <c>Evaluate</c>, <c>CrossValidate</c> and <c>mlContext.Model.Save/Load</c>.
/// It reads text, or a vector of token keys when it was trained on one (<see cref="InputIsKeys"/>). Made by
/// <c>DeepTextEmbedding</c>, it writes only the pooled document vector instead (<see cref="EmbeddingColumnName"/>).
/// Dispose it to free the model's native memory.
/// </summary>
public sealed class DeepTextTransformer : ITransformer, IDisposable
{
    internal const string LoaderSignature = "DeepTextClassifier";
    private const string ModelSignature = "DTXTCLSF";
    // 2.0: one classifier (encoder → pooling → head) for every family, with renamed spec fields. 1.2 added checksums.
    private const uint FormatVersion = 0x00020000;

    private readonly object _lock = new();
    private bool _disposed;

    internal TextClassifier Model { get; }
    internal ClassifierSpec Spec { get; }
    internal TextEncoder Encoder { get; }
    internal Device Device { get; }
    internal LabelKeyValues? LabelKeyValues { get; }

    /// <summary>The text column read.</summary>
    public string TextColumnName { get; }
    /// <summary>The predicted label column written.</summary>
    public string PredictedLabelColumnName { get; }
    /// <summary>The score column written.</summary>
    public string ScoreColumnName { get; }
    /// <summary>Rows scored per forward pass by <c>Transform</c>.</summary>
    public int PredictionBatchSize { get; }
    /// <summary>Whether scoring may compute in bfloat16 where the CPU has bfloat16 instructions (<see cref="DeepTextOptions.BFloat16Scoring"/>).</summary>
    public bool BFloat16Scoring { get; }
    /// <summary>Number of classes (the label key's cardinality).</summary>
    public int NumberOfClasses => Spec.NumberOfClasses;
    /// <summary>Trainable parameters of the model.</summary>
    public long ParameterCount => Model.ParameterCount;
    /// <summary>The model family, e.g. "TransformerEncoder".</summary>
    public string ModelKind => Spec.Kind;
    /// <summary>The architecture as JSON (the spec the model is rebuilt from at load time).</summary>
    public string ArchitectureJson => Spec.ToJson();
    /// <summary>What training did (epochs, best epoch, validation accuracy); kept in the saved model.</summary>
    public TrainingSummary? TrainingSummary { get; }
    /// <summary>
    /// Null for a classifier. For an embedding transformer (made by <c>mlContext.Transforms.Text.DeepTextEmbedding</c>):
    /// the one column it writes, the model's pooled document vector, instead of <c>PredictedLabel</c> and <c>Score</c>.
    /// </summary>
    public string? EmbeddingColumnName { get; }
    /// <summary>True when the model reads a vector of keys (token ids from ML.NET's own text transforms) instead of text.</summary>
    public bool InputIsKeys { get; }
    /// <summary>Length of the pooled document vector (the classifier head's input).</summary>
    public int EmbeddingSize => _embeddingSize.Value;
    private readonly Lazy<int> _embeddingSize;

    bool ITransformer.IsRowToRowMapper => true;

    internal DeepTextTransformer(TextClassifier model, ClassifierSpec spec, TextEncoder encoder, Device device,
        LabelKeyValues? labelKeyValues, string textColumn, string predictedLabelColumn, string scoreColumn,
        int predictionBatchSize, TrainingSummary? summary, string? embeddingColumn = null, bool inputIsKeys = false, bool bfloat16Scoring = false)
    {
        Model = model;
        Spec = spec;
        Encoder = encoder;
        Device = device;
        LabelKeyValues = labelKeyValues;
        TextColumnName = textColumn;
        PredictedLabelColumnName = predictedLabelColumn;
        ScoreColumnName = scoreColumn;
        PredictionBatchSize = predictionBatchSize;
        TrainingSummary = summary;
        EmbeddingColumnName = embeddingColumn;
        InputIsKeys = inputIsKeys;
        _embeddingSize = new(() => Score([[]], embedding: true)[0].Length);
        BFloat16Scoring = bfloat16Scoring;
        Model.eval();
        Model.UseBFloat16Inference(bfloat16Scoring && DeviceSelector.HasFastBFloat16(device));
    }

    /// <summary>
    /// An embedding transformer over a copy of this model's weights (so disposing either leaves the other working):
    /// it reads <paramref name="inputColumnName"/> (default: this model's text column) and writes the pooled document vector.
    /// </summary>
    internal DeepTextTransformer AsEmbedding(string outputColumnName, string? inputColumnName)
    {
        var copy = Spec.Build();
        try
        {
            lock (_lock)
            {
                ThrowIfDisposed();
                using var reader = new BinaryReader(new MemoryStream(Bytes(w => Model.save(w))));
                copy.load(reader);
            }
        }
        catch
        {
            copy.Dispose();
            throw;
        }
        copy.to(Device);
        return new DeepTextTransformer(copy, Spec, Encoder, Device, LabelKeyValues, inputColumnName ?? TextColumnName,
            PredictedLabelColumnName, ScoreColumnName, PredictionBatchSize, TrainingSummary, outputColumnName, InputIsKeys, BFloat16Scoring);
    }

    /// <summary>Class probabilities for each text (null = empty text), in order, batched.</summary>
    public float[][] PredictProbabilities(IReadOnlyList<string?> texts)
    {
        if (InputIsKeys) throw new InvalidOperationException("This model reads token keys, not text; score it through Transform or a PredictionEngine.");
        return Score(texts.Select(t => Encoder.Tokenize(t ?? "")).ToArray(), embedding: false);
    }

    /// <summary>Each row's output vector from its token ids: class probabilities, or the pooled document vector for an embedding transformer.</summary>
    internal float[][] Score(IReadOnlyList<int[]> tokenIds) => Score(tokenIds, EmbeddingColumnName is not null);

    private float[][] Score(IReadOnlyList<int[]> tokenIds, bool embedding)
    {
        var sequences = tokenIds.Select(Encoder.ToModelIds).ToArray();
        lock (_lock)
        {
            ThrowIfDisposed();
            return embedding
                ? Predictor.Embed(Model, sequences, PredictionBatchSize, Device)
                : Predictor.PredictProbabilities(Model, sequences, PredictionBatchSize, Device);
        }
    }

    // ---------- schema ----------

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        TextInput.Check(inputSchema, TextColumnName, InputIsKeys);
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(inputSchema);
        if (EmbeddingColumnName is not null)
        {
            builder.AddColumn(EmbeddingColumnName, new VectorDataViewType(NumberDataViewType.Single, EmbeddingSize));
            return builder.ToSchema();
        }
        AddPredictionColumns(builder, PredictedLabelColumnName, ScoreColumnName, NumberOfClasses, LabelKeyValues);
        return builder.ToSchema();
    }

    /// <summary>
    /// A multiclass model's two output columns, as ML.NET's own trainers make them: the predicted key (with the label's
    /// key values) and the class probabilities (with the class names as slot names, and the annotations that let
    /// <c>Evaluate</c> find it).
    /// </summary>
    internal static void AddPredictionColumns(DataViewSchema.Builder builder, string predictedLabelColumnName, string scoreColumnName,
        int classes, LabelKeyValues? keyValues)
    {
        var labelAnnotations = new DataViewSchema.Annotations.Builder();
        keyValues?.AddTo(labelAnnotations);
        builder.AddColumn(predictedLabelColumnName, new KeyDataViewType(typeof(uint), classes), labelAnnotations.ToAnnotations());
        var scoreAnnotations = new DataViewSchema.Annotations.Builder();
        var slotNames = LabelKeyValues.SlotNames(keyValues, classes).Select(n => n.AsMemory()).ToArray();
        scoreAnnotations.Add("SlotNames", new VectorDataViewType(TextDataViewType.Instance, classes),
            (ref VBuffer<ReadOnlyMemory<char>> dst) => dst = new VBuffer<ReadOnlyMemory<char>>(slotNames.Length, slotNames));
        scoreAnnotations.AddPrimitiveValue("ScoreColumnKind", TextDataViewType.Instance, "MulticlassClassification".AsMemory());
        scoreAnnotations.AddPrimitiveValue("ScoreValueKind", TextDataViewType.Instance, "Score".AsMemory());
        builder.AddColumn(scoreColumnName, new VectorDataViewType(NumberDataViewType.Single, classes), scoreAnnotations.ToAnnotations());
    }

    /// <summary>Scores <paramref name="input"/> lazily, in batches of <see cref="PredictionBatchSize"/> rows.</summary>
    public IDataView Transform(IDataView input) => new DeepTextDataView(this, input);

    /// <inheritdoc />
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => new DeepTextRowMapper(this, inputSchema);

    // ---------- save / load (through MlNetBridge) ----------

    // SpecAssembly, TokenizerAssembly: the assemblies that define the model's family and its tokenizer when they are not
    // this one (loaded first: LoadFamily). HasTokenizerData: the tokenizer's own data (e.g. a user's vocab.txt) is in
    // the TokenizerEntry, so loading needs no file.
    private sealed record Metadata(string Spec, string TokenizerName, int MaxTokens, TruncationPolicy Truncation,
        string TextColumnName, string PredictedLabelColumnName, string ScoreColumnName, int PredictionBatchSize, TrainingSummary? Summary,
        string? EmbeddingColumnName = null, bool InputIsKeys = false, string? SpecAssembly = null, string? TokenizerAssembly = null,
        bool HasTokenizerData = false, bool BFloat16Scoring = false);

    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        var tokenizerData = DeepTextTokenizers.Data(Encoder.TokenizerName);
        var metadata = new Metadata(Spec.ToJson(), Encoder.TokenizerName, Encoder.MaxTokens, Encoder.Truncation,
            TextColumnName, PredictedLabelColumnName, ScoreColumnName, PredictionBatchSize, TrainingSummary, EmbeddingColumnName, InputIsKeys,
            Spec.Encoder.GetType().Assembly == typeof(DeepTextTransformer).Assembly ? null : Spec.Encoder.GetType().Assembly.GetName().Name,
            DeepTextTokenizers.Package(Encoder.TokenizerName)?.GetName().Name, tokenizerData is not null, BFloat16Scoring);
        var header = Bytes(w =>
        {
            w.Write(JsonSerializer.Serialize(metadata));
            w.Write(LabelKeyValues is not null);
            LabelKeyValues?.Write(w);
        });
        var vocabulary = Bytes(w =>
        {
            var ids = Encoder.Vocabulary!.TokenizerIds;
            w.Write(ids.Count);
            foreach (var id in ids) w.Write(id);
        });
        byte[] weights;
        lock (_lock)
        {
            ThrowIfDisposed();
            weights = Bytes(w => Model.save(w));
        }
        (string, byte[])[] entries = tokenizerData is not null
            ? [(VocabularyEntry, vocabulary), (WeightsEntry, weights), (TokenizerEntry, tokenizerData)]
            : [(VocabularyEntry, vocabulary), (WeightsEntry, weights)];
        CheckedModelEntries.Save(ctx, MlNetBridge.VersionInfo(ModelSignature, FormatVersion, LoaderSignature), header, entries);
    }

    private const string VocabularyEntry = "Vocabulary.bin", WeightsEntry = "Weights.bin", TokenizerEntry = "Tokenizer.bin";

    private static byte[] Bytes(Action<BinaryWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true)) write(writer);
        return stream.ToArray();
    }

    /// <summary>Called by ML.NET's model loader, which finds it through the [LoadableClass] attribute the build weaves in.</summary>
    internal static DeepTextTransformer Create(IHostEnvironment env, object ctx)
    {
        uint written = MlNetBridge.VersionWritten(ctx);
        if (written < FormatVersion)
            throw new InvalidDataException(
                $"This DeepText model was saved in format {Format(written)} (MLNet.DeepText 0.5 or earlier); this version reads format {Format(FormatVersion)}, " +
                "in which every model family is an encoder under one shared classifier. Train the model again with this version (the option names changed: see the README).");
        var (header, readEntry) = CheckedModelEntries.Load(ctx, MlNetBridge.VersionInfo(ModelSignature, FormatVersion, LoaderSignature));
        Metadata metadata; LabelKeyValues? keyValues; ClassifierSpec spec;
        try
        {
            using var reader = new BinaryReader(new MemoryStream(header));
            metadata = JsonSerializer.Deserialize<Metadata>(reader.ReadString()) ?? throw new InvalidDataException("empty metadata");
            keyValues = reader.ReadBoolean() ? LabelKeyValues.Read(reader) : null;
            if (metadata.SpecAssembly is { } family) LoadFamily(family);
            if (metadata.TokenizerAssembly is { } package && package != metadata.SpecAssembly) LoadFamily(package);
            spec = ClassifierSpec.FromJson(metadata.Spec);
        }
        catch (Exception e) when (e is JsonException or EndOfStreamException or InvalidDataException or FormatException or ArgumentException or NotSupportedException)
        {
            throw CheckedModelEntries.Damaged(ctx, MlNetBridge.MainEntryName, $"its settings cannot be read ({e.Message})", e);
        }
        if (metadata.HasTokenizerData)
            DeepTextTokenizers.RegisterData(DeepTextTokenizers.FormatOf(metadata.TokenizerName), readEntry(TokenizerEntry));
        var vocabulary = ReadVocabulary(ctx, readEntry(VocabularyEntry));
        var encoder = new TextEncoder(metadata.TokenizerName, metadata.MaxTokens, metadata.Truncation, new Vocabulary(vocabulary));
        var (gpuDeviceId, fallbackToCpu) = MlNetBridge.GetDeviceSettings(env);
        var device = DeviceSelector.Select(null, gpuDeviceId, fallbackToCpu);
        var weights = readEntry(WeightsEntry);
        var model = spec.Build();
        try
        {
            using var reader = new BinaryReader(new MemoryStream(weights));
            model.load(reader);
            model.to(device);
        }
        catch (Exception e)
        {
            model.Dispose();
            throw CheckedModelEntries.Damaged(ctx, WeightsEntry, $"its weights do not fit the saved {spec.Kind} architecture ({e.Message})", e);
        }
        return new DeepTextTransformer(model, spec, encoder, device, keyValues, metadata.TextColumnName,
            metadata.PredictedLabelColumnName, metadata.ScoreColumnName, metadata.PredictionBatchSize, metadata.Summary, metadata.EmbeddingColumnName, metadata.InputIsKeys,
            metadata.BFloat16Scoring);
    }

    /// <summary>
    /// Loads the assembly of a model family defined outside this one and runs its module initializer, which registers
    /// what loading its models needs (its spec kinds, its tokenizer).
    /// </summary>
    private static void LoadFamily(string assemblyName)
    {
        System.Reflection.Assembly assembly;
        try { assembly = System.Reflection.Assembly.Load(assemblyName); }
        catch (FileNotFoundException e)
        {
            throw new InvalidOperationException(
                $"This model needs {assemblyName} (it defines the model's family or its tokenizer), which this application does not reference. Add the {assemblyName} package to load it.", e);
        }
        System.Runtime.CompilerServices.RuntimeHelpers.RunModuleConstructor(assembly.ManifestModule.ModuleHandle);
        EncoderSpec.RegisterKindsIn(assembly);
    }

    private static int[] ReadVocabulary(object ctx, byte[] bytes)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes));
        int count = bytes.Length >= 4 ? reader.ReadInt32() : -1;
        if (count < 0 || 4L + 4L * count != bytes.Length)
            throw CheckedModelEntries.Damaged(ctx, VocabularyEntry, $"its length ({bytes.Length} bytes) does not fit the vocabulary size it states ({count})");
        var ids = new int[count];
        for (int i = 0; i < count; i++) ids[i] = reader.ReadInt32();
        return ids;
    }

    private static string Format(uint version) => $"{version >> 16}.{version & 0xFFFF}";

    private void ThrowIfDisposed()
    {
        if (_disposed)
            throw new ObjectDisposedException(nameof(DeepTextTransformer),
                "This DeepText model has been disposed. Note that disposing a PredictionEngine (or the TransformerChain) disposes the model it was created from.");
    }

    /// <summary>Frees the model's native memory; the transformer cannot score afterwards.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
            Model.Dispose();
        }
    }
}
