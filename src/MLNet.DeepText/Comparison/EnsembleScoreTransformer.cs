using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.DeepText;

/// <summary>
/// The last step of the ensemble that <see cref="ModelComparisonCatalog.CompareModels"/> returns: the members run one
/// after the other in the same chain, each member's <c>Score</c> copied to a column of its own; this step reads those
/// columns and writes their weighted average as <c>Score</c> and its arg max as <c>PredictedLabel</c>, like any
/// multiclass model. Saved and loaded with the chain.
/// </summary>
internal sealed class EnsembleScoreTransformer : ITransformer
{
    internal const string LoaderSignature = "DeepTextEnsembleScore";
    private const string ModelSignature = "DTXTENSM";
    private const uint FormatVersion = 0x00010001;

    /// <summary>The members' probability columns, in the order of <see cref="Weights"/>.</summary>
    public IReadOnlyList<string> InputColumnNames { get; }
    /// <summary>The members' weights (summing to one).</summary>
    public IReadOnlyList<double> Weights { get; }
    public int NumberOfClasses { get; }
    private readonly LabelKeyValues? _keyValues;

    bool ITransformer.IsRowToRowMapper => true;

    internal EnsembleScoreTransformer(IReadOnlyList<string> inputColumnNames, IReadOnlyList<double> weights, int classes, LabelKeyValues? keyValues)
    {
        if (inputColumnNames.Count != weights.Count || weights.Count == 0) throw new ArgumentException("One weight per member column is needed.");
        (InputColumnNames, Weights, NumberOfClasses, _keyValues) = (inputColumnNames, weights, classes, keyValues);
    }

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        _ = Sources(inputSchema);
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(inputSchema);
        DeepTextTransformer.AddPredictionColumns(builder, "PredictedLabel", "Score", NumberOfClasses, _keyValues);
        return builder.ToSchema();
    }

    private DataViewSchema.Column[] Sources(DataViewSchema schema) => InputColumnNames.Select(name =>
    {
        var column = schema.GetColumnOrNull(name)
            ?? throw new ArgumentOutOfRangeException(nameof(schema), $"Ensemble: the member score column '{name}' was not found. Available columns: {string.Join(", ", schema.Select(c => c.Name))}.");
        if (column.Type is not VectorDataViewType { ItemType: NumberDataViewType n, Size: var size } || n != NumberDataViewType.Single || size != NumberOfClasses)
            throw new ArgumentOutOfRangeException(nameof(schema), $"Ensemble: the member score column '{name}' must be a vector of {NumberOfClasses} floats, not {column.Type}.");
        return column;
    }).ToArray();

    /// <inheritdoc />
    public IDataView Transform(IDataView input) => new View(this, input, Sources(input.Schema), GetOutputSchema(input.Schema));

    /// <inheritdoc />
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => new Mapper(this, inputSchema, Sources(inputSchema), GetOutputSchema(inputSchema));

    /// <summary>The weighted average of the members' scores of <paramref name="row"/>, and its arg max as a 1-based key.</summary>
    private Func<(float[] Score, uint Key)> Combiner(DataViewRow row, DataViewSchema.Column[] sources)
    {
        var getters = sources.Select(row.GetGetter<VBuffer<float>>).ToArray();
        VBuffer<float> buffer = default;
        long position = -1;
        (float[] Score, uint Key) current = default;
        return () =>
        {
            if (position == row.Position) return current;
            var score = new float[NumberOfClasses];
            for (int m = 0; m < getters.Length; m++)
            {
                getters[m](ref buffer);
                var values = buffer.DenseValues().ToArray();
                for (int c = 0; c < score.Length; c++) score[c] += (float)(Weights[m] * values[c]);
            }
            int best = 0;
            for (int c = 1; c < score.Length; c++) if (score[c] > score[best]) best = c;
            position = row.Position;
            return current = (score, (uint)best + 1);
        };
    }

    private ValueGetter<TValue> OutputGetter<TValue>(DataViewRow row, DataViewSchema.Column[] sources, DataViewSchema.Column column, int inputCount)
    {
        var combined = Combiner(row, sources);
        if (column.Index == inputCount)
        {
            ValueGetter<uint> key = (ref uint value) => value = combined().Key;
            return key as ValueGetter<TValue> ?? throw new InvalidOperationException($"Column '{column.Name}' is a key (uint), not {typeof(TValue).Name}.");
        }
        ValueGetter<VBuffer<float>> score = (ref VBuffer<float> value) => value = new VBuffer<float>(NumberOfClasses, combined().Score);
        return score as ValueGetter<TValue> ?? throw new InvalidOperationException($"Column '{column.Name}' is a float vector, not {typeof(TValue).Name}.");
    }

    /// <summary>The input columns needed for <paramref name="needed"/>: the requested input ones, and every member column when an output is requested.</summary>
    private static IEnumerable<DataViewSchema.Column> Dependencies(DataViewSchema input, DataViewSchema.Column[] sources, IEnumerable<DataViewSchema.Column> needed)
    {
        var list = needed.ToList();
        var columns = list.Where(c => c.Index < input.Count).Select(c => input[c.Index]).ToList();
        if (list.Any(c => c.Index >= input.Count)) columns.AddRange(sources.Where(s => columns.All(c => c.Index != s.Index)));
        return columns;
    }

    private sealed class View(EnsembleScoreTransformer parent, IDataView input, DataViewSchema.Column[] sources, DataViewSchema schema) : IDataView
    {
        public DataViewSchema Schema => schema;
        public bool CanShuffle => input.CanShuffle;
        public long? GetRowCount() => input.GetRowCount();

        public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
            new Cursor(parent, input.GetRowCursor(Dependencies(input.Schema, sources, columnsNeeded), rand), sources, schema);

        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
            input.GetRowCursorSet(Dependencies(input.Schema, sources, columnsNeeded), n, rand).Select(c => (DataViewRowCursor)new Cursor(parent, c, sources, schema)).ToArray();
    }

    private sealed class Cursor(EnsembleScoreTransformer parent, DataViewRowCursor inner, DataViewSchema.Column[] sources, DataViewSchema schema)
        : AppendedColumnsCursor(inner, schema)
    {
        protected override bool AddedColumnsActive => sources.All(Inner.IsColumnActive);
        protected override ValueGetter<TValue> AddedGetter<TValue>(DataViewSchema.Column column) => parent.OutputGetter<TValue>(Inner, sources, column, Inner.Schema.Count);
    }

    /// <summary>The single-row path (PredictionEngine).</summary>
    private sealed class Mapper(EnsembleScoreTransformer parent, DataViewSchema inputSchema, DataViewSchema.Column[] sources, DataViewSchema outputSchema) : IRowToRowMapper
    {
        public DataViewSchema InputSchema => inputSchema;
        public DataViewSchema OutputSchema => outputSchema;
        public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns) => Dependencies(inputSchema, sources, dependingColumns);
        public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns) => new Row(parent, input, sources, outputSchema);
    }

    private sealed class Row(EnsembleScoreTransformer parent, DataViewRow input, DataViewSchema.Column[] sources, DataViewSchema schema) : DataViewRow
    {
        public override DataViewSchema Schema => schema;
        public override long Position => input.Position;
        public override long Batch => input.Batch;
        public override ValueGetter<DataViewRowId> GetIdGetter() => input.GetIdGetter();
        public override bool IsColumnActive(DataViewSchema.Column column) =>
            column.Index < input.Schema.Count ? input.IsColumnActive(input.Schema[column.Index]) : sources.All(input.IsColumnActive);
        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) =>
            column.Index < input.Schema.Count ? input.GetGetter<TValue>(input.Schema[column.Index]) : parent.OutputGetter<TValue>(input, sources, column, input.Schema.Count);
    }

    // ---------- save / load ----------

    private sealed record Saved(string[] InputColumnNames, double[] Weights, int NumberOfClasses);

    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(JsonSerializer.Serialize(new Saved([.. InputColumnNames], [.. Weights], NumberOfClasses)));
            writer.Write(_keyValues is not null);
            _keyValues?.Write(writer);
        }
        CheckedModelEntries.Save(ctx, MlNetBridge.VersionInfo(ModelSignature, FormatVersion, LoaderSignature), stream.ToArray());
    }

    /// <summary>Called by ML.NET's model loader, which finds it through the [LoadableClass] attribute the build weaves in.</summary>
    internal static EnsembleScoreTransformer Create(Microsoft.ML.Runtime.IHostEnvironment env, object ctx)
    {
        var (header, _) = CheckedModelEntries.Load(ctx, MlNetBridge.VersionInfo(ModelSignature, FormatVersion, LoaderSignature));
        try
        {
            using var reader = new BinaryReader(new MemoryStream(header));
            var saved = JsonSerializer.Deserialize<Saved>(reader.ReadString()) ?? throw new InvalidDataException("empty settings");
            var keyValues = reader.ReadBoolean() ? LabelKeyValues.Read(reader) : null;
            return new EnsembleScoreTransformer(saved.InputColumnNames, saved.Weights, saved.NumberOfClasses, keyValues);
        }
        catch (Exception e) when (e is JsonException or EndOfStreamException or InvalidDataException or ArgumentException)
        {
            throw CheckedModelEntries.Damaged(ctx, MlNetBridge.MainEntryName, $"its settings cannot be read ({e.Message})", e);
        }
    }
}
