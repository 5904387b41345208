using Microsoft.Data.Analysis;
using Microsoft.ML;

namespace MLNet.DeepText.Benchmarks;

public sealed class Row
{
    public string Label { get; set; } = "";
    public string Text { get; set; } = "";
}

/// <summary>Reads the datasets' TSV files: header <c>Label&lt;TAB&gt;Text</c>, split on the first TAB, no quoting.</summary>
public static class TsvData
{
    public static List<Row> Read(string path) =>
        File.ReadLines(path).Skip(1).Where(l => l.Length > 0).Select(line =>
        {
            int tab = line.IndexOf('\t');
            if (tab < 0) throw new InvalidDataException($"{path}: line without a TAB: '{line[..Math.Min(60, line.Length)]}'");
            return new Row { Label = line[..tab], Text = line[(tab + 1)..] };
        }).ToList();

    /// <summary>A two-column TSV as a DataFrame whose column names come from the header line.</summary>
    public static DataFrame LoadFrame(string path)
    {
        var header = File.ReadLines(path).First().Split('\t', 2);
        var rows = Read(path);
        return new DataFrame(
            new StringDataFrameColumn(header[0], rows.Select(r => r.Label)),
            new StringDataFrameColumn(header.Length > 1 ? header[1] : "Text", rows.Select(r => r.Text)));
    }

    public static IDataView Load(MLContext ml, string path) => ml.Data.LoadFromEnumerable(Read(path));
}

public sealed class LatencyPrediction
{
    public uint PredictedLabel { get; set; }
}
