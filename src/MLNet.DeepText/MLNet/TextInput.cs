using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.DeepText.Text;

namespace MLNet.DeepText;

/// <summary>
/// What a DeepText model reads: a text column (tokenized by the model's tokenizer), or a vector of keys, one per token,
/// from ML.NET's own text preprocessing (e.g. <c>TokenizeIntoWords</c> + <c>MapValueToKey</c>). Key values are the
/// token ids (missing keys, 0, are dropped); the vocabulary and truncation apply to them as to tokenizer ids.
/// </summary>
internal static class TextInput
{
    public static bool IsKeyVector(DataViewType type) => type is VectorDataViewType { ItemType: KeyDataViewType { RawType: var raw } } && raw == typeof(uint);

    public static bool IsKeyVector(SchemaShape.Column column) =>
        column.Kind != SchemaShape.Column.VectorKind.Scalar && column.IsKey && column.ItemType.RawType == typeof(uint);

    private static bool IsText(SchemaShape.Column column) => column.Kind == SchemaShape.Column.VectorKind.Scalar && column.ItemType is TextDataViewType;

    private const string Accepted = "text (string) or a vector of UInt32 keys (token ids, e.g. from TokenizeIntoWords + MapValueToKey)";

    /// <summary>The column, checked to be text (for transforms that only read text).</summary>
    public static DataViewSchema.Column CheckText(DataViewSchema schema, string name)
    {
        var column = Find(schema, name);
        if (column.Type is not TextDataViewType)
            throw new ArgumentOutOfRangeException(nameof(schema), $"The text column '{name}' has type {column.Type}, but text (string) is required.");
        return column;
    }

    private static DataViewSchema.Column Find(DataViewSchema schema, string name) => schema.GetColumnOrNull(name)
        ?? throw new ArgumentOutOfRangeException(nameof(schema),
            $"The text column '{name}' was not found in the input data. Available columns: {string.Join(", ", schema.Select(c => c.Name))}. " +
            "Set TextColumnName (textColumnName) to the column that holds the text.");

    /// <summary>The column, checked to be text or a key vector (and, when <paramref name="keys"/> is given, the kind the model was trained on).</summary>
    public static DataViewSchema.Column Check(DataViewSchema schema, string name, bool? keys = null)
    {
        var column = Find(schema, name);
        bool isKeys = IsKeyVector(column.Type);
        if (!isKeys && column.Type is not TextDataViewType)
            throw new ArgumentOutOfRangeException(nameof(schema), $"The text column '{name}' has type {column.Type}, but {Accepted} is required.");
        if (keys is { } expected && expected != isKeys)
            throw new ArgumentOutOfRangeException(nameof(schema), expected
                ? $"The model was trained on token keys, but column '{name}' is text. Apply the same key-producing transforms as in training."
                : $"The model was trained on text, but column '{name}' is a vector of keys.");
        return column;
    }

    /// <summary>The same check on an estimator's schema shape; returns whether the column holds keys.</summary>
    public static bool Check(SchemaShape schema, string name)
    {
        if (!schema.Any(c => c.Name == name))
            throw new ArgumentOutOfRangeException(nameof(schema), $"The text column '{name}' was not found in the input data. Available columns: {string.Join(", ", schema.Select(c => c.Name))}.");
        var column = schema.Last(c => c.Name == name);
        if (IsKeyVector(column)) return true;
        if (IsText(column)) return false;
        throw new ArgumentOutOfRangeException(nameof(schema), $"The text column '{name}' has type {column.ItemType}{(column.Kind == SchemaShape.Column.VectorKind.Scalar ? "" : " vector")}, but {Accepted} is required.");
    }

    /// <summary>A function that gives the current row's token ids (tokenizer ids or keys), truncated by the encoder's policy.</summary>
    public static Func<int[]> Reader(DataViewRow row, DataViewSchema.Column column, TextEncoder encoder)
    {
        if (column.Type is TextDataViewType)
        {
            var getText = row.GetGetter<ReadOnlyMemory<char>>(column);
            ReadOnlyMemory<char> text = default;
            return () =>
            {
                getText(ref text);
                return encoder.Tokenize(text.Span);
            };
        }
        var getKeys = row.GetGetter<VBuffer<uint>>(column);
        VBuffer<uint> keys = default;
        return () =>
        {
            getKeys(ref keys);
            var ids = new List<int>(keys.Length);
            foreach (var key in keys.DenseValues())
                if (key != 0) ids.Add((int)Math.Min(key, int.MaxValue));
            return encoder.Truncate(ids);
        };
    }
}
