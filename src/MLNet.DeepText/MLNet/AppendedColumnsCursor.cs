using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.DeepText;

/// <summary>
/// A cursor that passes an input cursor's columns through and adds columns after them (schema index at least the
/// input's column count), whose getters the subclass makes from the input row.
/// </summary>
internal abstract class AppendedColumnsCursor(DataViewRowCursor inner, DataViewSchema schema) : DataViewRowCursor
{
    /// <summary>The input cursor (also the row the added columns are computed from).</summary>
    protected DataViewRowCursor Inner => inner;

    public override DataViewSchema Schema => schema;
    public override long Position => inner.Position;
    public override long Batch => inner.Batch;
    public override bool MoveNext() => inner.MoveNext();
    public override ValueGetter<DataViewRowId> GetIdGetter() => inner.GetIdGetter();

    public override bool IsColumnActive(DataViewSchema.Column column) =>
        column.Index < inner.Schema.Count ? inner.IsColumnActive(inner.Schema[column.Index]) : AddedColumnsActive;

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) =>
        column.Index < inner.Schema.Count ? inner.GetGetter<TValue>(inner.Schema[column.Index]) : AddedGetter<TValue>(column);

    /// <summary>Whether the added columns can be read (their inputs are active).</summary>
    protected abstract bool AddedColumnsActive { get; }

    /// <summary>The getter of added column <paramref name="column"/>.</summary>
    protected abstract ValueGetter<TValue> AddedGetter<TValue>(DataViewSchema.Column column);

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
