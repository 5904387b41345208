using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.DeepText;

/// <summary>
/// The training label's key values (e.g. the queue names behind the key), kept with the model so that
/// <c>PredictedLabel</c> carries them and <c>MapKeyToValue</c> gives back the original labels.
/// Text, boolean and numeric value types keep their type; any other type is stored as text.
/// </summary>
internal sealed class LabelKeyValues
{
    public PrimitiveDataViewType ValueType { get; }
    /// <summary>The values, as objects of <see cref="ValueType"/>'s raw type.</summary>
    public IReadOnlyList<object> Values { get; }

    private LabelKeyValues(PrimitiveDataViewType type, IReadOnlyList<object> values) { ValueType = type; Values = values; }

    /// <summary>Class names for the <c>Score</c> slot names: the key values as text, or "0", "1", … when there are none.</summary>
    public static string[] SlotNames(LabelKeyValues? keyValues, int classes) =>
        Enumerable.Range(0, classes)
            .Select(i => keyValues is not null && i < keyValues.Values.Count
                ? Convert.ToString(keyValues.Values[i], CultureInfo.InvariantCulture) ?? ""
                : i.ToString(CultureInfo.InvariantCulture))
            .ToArray();

    /// <summary>Reads the <c>KeyValues</c> annotation of a key column; null when it has none.</summary>
    public static LabelKeyValues? FromColumn(DataViewSchema.Column column)
    {
        var annotation = column.Annotations.Schema.GetColumnOrNull(AnnotationUtilsKeyValues);
        if (annotation?.Type is not VectorDataViewType { ItemType: PrimitiveDataViewType itemType }) return null;
        var read = typeof(LabelKeyValues).GetMethod(nameof(Read), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(itemType.RawType);
        var values = (object[])read.Invoke(null, [column.Annotations])!;
        return IsSupported(itemType)
            ? new LabelKeyValues(itemType, values)
            : new LabelKeyValues(TextDataViewType.Instance, values.Select(v => (object)(Convert.ToString(v, CultureInfo.InvariantCulture) ?? "").AsMemory()).ToArray());
    }

    private const string AnnotationUtilsKeyValues = "KeyValues";

    private static object[] Read<T>(DataViewSchema.Annotations annotations)
    {
        VBuffer<T> buffer = default;
        annotations.GetValue(AnnotationUtilsKeyValues, ref buffer);
        return buffer.DenseValues().Select(v => (object)v!).ToArray();
    }

    /// <summary>Adds the <c>KeyValues</c> annotation (for <c>PredictedLabel</c>).</summary>
    public void AddTo(DataViewSchema.Annotations.Builder builder)
    {
        var add = typeof(LabelKeyValues).GetMethod(nameof(AddTyped), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!
            .MakeGenericMethod(ValueType.RawType);
        add.Invoke(this, [builder]);
    }

    private void AddTyped<T>(DataViewSchema.Annotations.Builder builder)
    {
        var values = Values.Select(v => (T)v).ToArray();
        ValueGetter<VBuffer<T>> getter = (ref VBuffer<T> dst) => dst = new VBuffer<T>(values.Length, values);
        builder.Add(AnnotationUtilsKeyValues, new VectorDataViewType(ValueType, values.Length), getter);
    }

    // ---------- persistence: a type name and the values as invariant strings ----------

    private static readonly Dictionary<string, PrimitiveDataViewType> s_types = new()
    {
        ["Text"] = TextDataViewType.Instance, ["Boolean"] = BooleanDataViewType.Instance,
        ["Single"] = NumberDataViewType.Single, ["Double"] = NumberDataViewType.Double,
        ["SByte"] = NumberDataViewType.SByte, ["Byte"] = NumberDataViewType.Byte,
        ["Int16"] = NumberDataViewType.Int16, ["UInt16"] = NumberDataViewType.UInt16,
        ["Int32"] = NumberDataViewType.Int32, ["UInt32"] = NumberDataViewType.UInt32,
        ["Int64"] = NumberDataViewType.Int64, ["UInt64"] = NumberDataViewType.UInt64,
    };

    private static bool IsSupported(PrimitiveDataViewType type) => s_types.ContainsValue(type);

    private string TypeName => s_types.First(kv => kv.Value.Equals(ValueType)).Key;

    public void Write(BinaryWriter writer)
    {
        writer.Write(TypeName);
        writer.Write(Values.Count);
        foreach (var v in Values)
            writer.Write(v is ReadOnlyMemory<char> m ? m.ToString() : Convert.ToString(v, CultureInfo.InvariantCulture) ?? "");
    }

    public static LabelKeyValues Read(BinaryReader reader)
    {
        var typeName = reader.ReadString();
        var type = s_types.TryGetValue(typeName, out var t) ? t : throw new InvalidDataException($"Unknown key value type '{typeName}' in the model.");
        var values = new object[reader.ReadInt32()];
        for (int i = 0; i < values.Length; i++)
        {
            var s = reader.ReadString();
            values[i] = type is TextDataViewType ? s.AsMemory() : Convert.ChangeType(s, type.RawType, CultureInfo.InvariantCulture);
        }
        return new LabelKeyValues(type, values);
    }
}
