using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.DeepText;

/// <summary>Maps one text to another (a delegate type, since <c>Func</c> cannot take a span on .NET 8).</summary>
internal delegate string TextMap(ReadOnlySpan<char> text);

/// <summary>
/// A view that adds one text column computed row by row from an input text column (lazily: the function runs only
/// when the new column is read). The output schema is the input's plus the new column, last.
/// </summary>
internal sealed class MappedTextDataView(IDataView input, DataViewSchema.Column source, DataViewSchema schema, TextMap map) : IDataView
{
    public DataViewSchema Schema => schema;
    public bool CanShuffle => input.CanShuffle;
    public long? GetRowCount() => input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        Wrap(input.GetRowCursor(InputColumns(columnsNeeded), rand), columnsNeeded);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        input.GetRowCursorSet(InputColumns(columnsNeeded), n, rand).Select(c => Wrap(c, columnsNeeded)).ToArray();

    private IEnumerable<DataViewSchema.Column> InputColumns(IEnumerable<DataViewSchema.Column> needed) => Dependencies(input.Schema, source, needed);

    /// <summary>
    /// The input columns that a view adding columns after <paramref name="input"/>'s needs: the requested input columns,
    /// plus <paramref name="source"/> when any added column is requested.
    /// </summary>
    internal static IEnumerable<DataViewSchema.Column> Dependencies(DataViewSchema input, DataViewSchema.Column source, IEnumerable<DataViewSchema.Column> needed)
    {
        var list = needed.ToList();
        var columns = list.Where(c => c.Index < input.Count).Select(c => input[c.Index]).ToList();
        if (list.Any(c => c.Index >= input.Count) && columns.All(c => c.Index != source.Index)) columns.Add(source);
        return columns;
    }

    private DataViewRowCursor Wrap(DataViewRowCursor cursor, IEnumerable<DataViewSchema.Column> needed) =>
        new Cursor(cursor, source, schema, map, needed.Any(c => c.Index == input.Schema.Count));

    private sealed class Cursor(DataViewRowCursor inner, DataViewSchema.Column source, DataViewSchema schema,
        TextMap map, bool outputActive) : AppendedColumnsCursor(inner, schema)
    {
        protected override bool AddedColumnsActive => outputActive;
        protected override ValueGetter<TValue> AddedGetter<TValue>(DataViewSchema.Column column) => MappedGetter<TValue>(Inner, source, column, outputActive, map);
    }

    /// <summary>The new column's getter over a row of the input.</summary>
    internal static ValueGetter<TValue> MappedGetter<TValue>(DataViewRow row, DataViewSchema.Column source, DataViewSchema.Column column,
        bool active, TextMap map)
    {
        if (!active) throw new InvalidOperationException($"Column '{column.Name}' was not requested when the cursor was created.");
        if (typeof(TValue) != typeof(ReadOnlyMemory<char>))
            throw new InvalidOperationException($"Column '{column.Name}' is text; it cannot be read as {typeof(TValue).Name}.");
        var text = row.GetGetter<ReadOnlyMemory<char>>(source);
        ReadOnlyMemory<char> value = default;
        ValueGetter<ReadOnlyMemory<char>> getter = (ref ReadOnlyMemory<char> result) =>
        {
            text(ref value);
            result = map(value.Span).AsMemory();
        };
        return (ValueGetter<TValue>)(Delegate)getter;
    }
}

/// <summary>The single-row path (PredictionEngine) of <see cref="MappedTextDataView"/>.</summary>
internal sealed class MappedTextRowMapper(DataViewSchema inputSchema, DataViewSchema.Column source, DataViewSchema outputSchema,
    TextMap map) : IRowToRowMapper
{
    public DataViewSchema InputSchema => inputSchema;
    public DataViewSchema OutputSchema => outputSchema;
    private DataViewSchema.Column Source => source;
    private TextMap Map => map;

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns) =>
        MappedTextDataView.Dependencies(inputSchema, source, dependingColumns);

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns) =>
        new Row(input, this, activeColumns.Any(c => c.Index == inputSchema.Count));

    private sealed class Row(DataViewRow input, MappedTextRowMapper parent, bool outputActive) : DataViewRow
    {
        public override DataViewSchema Schema => parent.OutputSchema;
        public override long Position => input.Position;
        public override long Batch => input.Batch;
        public override ValueGetter<DataViewRowId> GetIdGetter() => input.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) =>
            column.Index < parent.InputSchema.Count ? input.IsColumnActive(parent.InputSchema[column.Index]) : outputActive;

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) =>
            column.Index < parent.InputSchema.Count
                ? input.GetGetter<TValue>(parent.InputSchema[column.Index])
                : MappedTextDataView.MappedGetter<TValue>(input, parent.Source, column, outputActive, parent.Map);
    }
}
