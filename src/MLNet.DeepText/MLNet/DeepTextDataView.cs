using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.DeepText;

/// <summary>
/// The output of <see cref="DeepTextTransformer.Transform"/>: the input's columns plus <c>PredictedLabel</c> and
/// <c>Score</c>. Its cursor reads the text of the next <see cref="ReadAheadBatches"/> × <c>PredictionBatchSize</c> rows
/// ahead through a second cursor of the input, scores them grouped by length (one forward pass per batch, little
/// padding), and serves the results as the main cursor moves.
/// The view does not shuffle, so both cursors see the same rows in the same order.
/// </summary>
internal sealed class DeepTextDataView : IDataView
{
    /// <summary>Batches read ahead at once, so that texts of similar length can share a batch.</summary>
    public const int ReadAheadBatches = 8;

    private readonly DeepTextTransformer _transformer;
    private readonly IDataView _input;

    public DataViewSchema Schema { get; }
    public bool CanShuffle => false;

    public DeepTextDataView(DeepTextTransformer transformer, IDataView input)
    {
        _transformer = transformer;
        _input = input;
        Schema = transformer.GetOutputSchema(input.Schema);
    }

    public long? GetRowCount() => _input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var needed = columnsNeeded.ToArray();
        int inputCount = _input.Schema.Count;
        var inputColumns = needed.Where(c => c.Index < inputCount).Select(c => _input.Schema[c.Index]).ToArray();
        bool predictionsNeeded = needed.Any(c => c.Index >= inputCount);
        var main = _input.GetRowCursor(inputColumns);
        var textColumn = TextInput.Check(_input.Schema, _transformer.TextColumnName, _transformer.InputIsKeys);
        var lookahead = predictionsNeeded ? _input.GetRowCursor([textColumn]) : null;
        return new Cursor(this, main, lookahead, textColumn, needed.Where(c => c.Index >= inputCount).Select(c => c.Index).ToHashSet());
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly DeepTextDataView _parent;
        private readonly DataViewRowCursor _main;
        private readonly DataViewRowCursor? _lookahead;
        private readonly Func<int[]>? _tokens;
        private readonly HashSet<int> _activeOutputs;
        private float[][] _scores = [];
        private int _index = -1;

        public Cursor(DeepTextDataView parent, DataViewRowCursor main, DataViewRowCursor? lookahead, DataViewSchema.Column textColumn, HashSet<int> activeOutputs)
        {
            _parent = parent;
            _main = main;
            _lookahead = lookahead;
            _tokens = lookahead is null ? null : TextInput.Reader(lookahead, textColumn, parent._transformer.Encoder);
            _activeOutputs = activeOutputs;
        }

        public override DataViewSchema Schema => _parent.Schema;
        public override long Position => _main.Position;
        public override long Batch => _main.Batch;
        public override ValueGetter<DataViewRowId> GetIdGetter() => _main.GetIdGetter();

        public override bool MoveNext()
        {
            if (!_main.MoveNext()) return false;
            if (_lookahead is not null && ++_index >= _scores.Length) ReadAhead();
            return true;
        }

        private void ReadAhead()
        {
            int window = _parent._transformer.PredictionBatchSize * ReadAheadBatches;
            var texts = new List<int[]>(window);
            while (texts.Count < window && _lookahead!.MoveNext()) texts.Add(_tokens!());
            if (texts.Count == 0)
                throw new InvalidOperationException("The input data returned different rows to two cursors; DeepText needs an input whose row order is stable.");
            _scores = _parent._transformer.Score(texts);
            _index = 0;
        }

        public override bool IsColumnActive(DataViewSchema.Column column) =>
            column.Index < _main.Schema.Count ? _main.IsColumnActive(_main.Schema[column.Index]) : _activeOutputs.Contains(column.Index);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (column.Index < _main.Schema.Count) return _main.GetGetter<TValue>(_main.Schema[column.Index]);
            if (!_activeOutputs.Contains(column.Index))
                throw new InvalidOperationException($"Column '{column.Name}' was not requested when the cursor was created.");
            return OutputGetters.Create<TValue>(column, _parent._transformer, () => _scores[_index]);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _main.Dispose();
                _lookahead?.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}

/// <summary>Getters of the two output columns over a function that returns the current row's probabilities.</summary>
internal static class OutputGetters
{
    public static ValueGetter<TValue> Create<TValue>(DataViewSchema.Column column, DeepTextTransformer transformer, Func<float[]> current)
    {
        if (column.Name == transformer.PredictedLabelColumnName && column.Type is KeyDataViewType)
        {
            if (typeof(TValue) != typeof(uint)) throw TypeMismatch<TValue>(column);
            ValueGetter<uint> getter = (ref uint value) => value = ArgMax(current()) + 1;
            return (ValueGetter<TValue>)(Delegate)getter;
        }
        if (typeof(TValue) != typeof(VBuffer<float>)) throw TypeMismatch<TValue>(column);
        ValueGetter<VBuffer<float>> scores = (ref VBuffer<float> value) =>
        {
            var p = current();
            var editor = VBufferEditor.Create(ref value, p.Length);
            p.CopyTo(editor.Values);
            value = editor.Commit();
        };
        return (ValueGetter<TValue>)(Delegate)scores;
    }

    private static uint ArgMax(float[] p)
    {
        int best = 0;
        for (int i = 1; i < p.Length; i++) if (p[i] > p[best]) best = i;
        return (uint)best;
    }

    private static InvalidOperationException TypeMismatch<TValue>(DataViewSchema.Column column) =>
        new($"Column '{column.Name}' has type {column.Type}; it cannot be read as {typeof(TValue).Name}.");
}

/// <summary>The single-row path (PredictionEngine): one forward pass per row, shared by both output getters.</summary>
internal sealed class DeepTextRowMapper : IRowToRowMapper
{
    private readonly DeepTextTransformer _transformer;
    private readonly DataViewSchema.Column _textColumn;

    public DataViewSchema InputSchema { get; }
    public DataViewSchema OutputSchema { get; }

    public DeepTextRowMapper(DeepTextTransformer transformer, DataViewSchema inputSchema)
    {
        _transformer = transformer;
        InputSchema = inputSchema;
        OutputSchema = transformer.GetOutputSchema(inputSchema);
        _textColumn = TextInput.Check(inputSchema, transformer.TextColumnName, transformer.InputIsKeys);
    }

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns) =>
        MappedTextDataView.Dependencies(InputSchema, _textColumn, dependingColumns);

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns) =>
        new Row(this, input, activeColumns.Select(c => c.Index).ToHashSet());

    private sealed class Row : DataViewRow
    {
        private readonly DeepTextRowMapper _parent;
        private readonly DataViewRow _input;
        private readonly HashSet<int> _active;
        private readonly Func<int[]>? _tokens;
        private long _cachedPosition = -1;
        private float[] _cached = [];

        public Row(DeepTextRowMapper parent, DataViewRow input, HashSet<int> active)
        {
            _parent = parent;
            _input = input;
            _active = active;
            if (active.Any(i => i >= parent.InputSchema.Count)) _tokens = TextInput.Reader(input, parent._textColumn, parent._transformer.Encoder);
        }

        public override DataViewSchema Schema => _parent.OutputSchema;
        public override long Position => _input.Position;
        public override long Batch => _input.Batch;
        public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) =>
            column.Index < _parent.InputSchema.Count ? _input.IsColumnActive(_parent.InputSchema[column.Index]) : _active.Contains(column.Index);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (column.Index < _parent.InputSchema.Count) return _input.GetGetter<TValue>(_parent.InputSchema[column.Index]);
            if (!_active.Contains(column.Index))
                throw new InvalidOperationException($"Column '{column.Name}' was not requested when the row was created.");
            return OutputGetters.Create<TValue>(column, _parent._transformer, Current);
        }

        private float[] Current()
        {
            if (_cachedPosition != _input.Position || _input.Position < 0)
            {
                _cached = _parent._transformer.Score([_tokens!()])[0];
                _cachedPosition = _input.Position;
            }
            return _cached;
        }
    }
}
