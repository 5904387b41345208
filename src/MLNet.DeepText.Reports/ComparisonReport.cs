using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;
using Plotly.NET;
using PlotlyChart = Plotly.NET.CSharp.Chart;

namespace MLNet.DeepText;

/// <summary>
/// A model comparison as one self-contained HTML file: the leaderboard, accuracy against training time (point size:
/// model size), per-class F1 of the top candidates, the winner's confusion matrix as a heat map, the ensemble's weights,
/// and the machine and settings. Charts are drawn by Plotly.NET; plotly.js is written into the page, so it opens
/// offline and can be mailed as one file.
/// </summary>
public static class ComparisonReport
{
    /// <summary>The ids of the report's sections, in order (a browser check looks for each).</summary>
    public static IReadOnlyList<string> Sections { get; } = ["leaderboard", "accuracy-vs-time", "per-class-f1", "confusion-matrix", "ensemble", "machine"];

    /// <summary>Writes the report of <paramref name="result"/> to <paramref name="path"/> (UTF-8 HTML).</summary>
    /// <param name="result">A comparison's result.</param>
    /// <param name="path">The HTML file to write.</param>
    /// <param name="title">The page's title; default "Model comparison".</param>
    public static void SaveReport(this ModelComparisonResult result, string path, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        File.WriteAllText(path, result.ToHtml(title), new UTF8Encoding(false));
    }

    /// <summary>The report of <paramref name="result"/> as an HTML document.</summary>
    /// <param name="result">A comparison's result.</param>
    /// <param name="title">The page's title; default "Model comparison".</param>
    public static string ToHtml(this ModelComparisonResult result, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        title ??= "Model comparison";
        var done = result.Leaderboard.Where(r => r.Status == CandidateStatus.Completed).ToList();
        var html = new StringBuilder();
        html.Append($"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{E(title)}</title>");
        html.Append("<style>body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}td,th{padding:.3em .7em;border-bottom:1px solid #ddd;text-align:right}" +
            "td:nth-child(2),th:nth-child(2){text-align:left}tr.best{font-weight:bold;background:#eef6ee}section{margin-bottom:2.5em}.note{color:#666}</style>");
        html.Append(PlotlyScript.Value).Append("</head><body>");
        html.Append($"<h1>{E(title)}</h1><p class=\"note\">{result.Rows:N0} labelled rows, {result.ClassNames.Count} classes, " +
            $"{(result.Folds >= 2 ? $"{result.Folds}-fold cross-validation" : "one holdout split")}, ranked by {result.RankBy}. " +
            "Every number is measured on rows the model did not train on (ML.NET's Evaluate).</p>");

        Section(html, "leaderboard", "Leaderboard", Leaderboard(result));
        Section(html, "accuracy-vs-time", "Accuracy against training time",
            done.Count == 0 ? "<p>No candidate completed.</p>" : Chart(AccuracyVersusTime(done)) + "<p class=\"note\">Point area: model size on disk. Up and to the left is better.</p>");
        var top = done.Take(3).Where(r => r.FoldMetrics.Count > 0).ToList();
        Section(html, "per-class-f1", "Per-class F1 of the top candidates",
            top.Count == 0 ? "<p>No candidate completed.</p>" : Chart(PerClassF1(top, result.ClassNames)));
        Section(html, "confusion-matrix", done.Count == 0 ? "Confusion matrix" : $"Confusion matrix of {E(done[0].Candidate)}",
            done.Count == 0 || done[0].FoldMetrics.Count == 0 ? "<p>No candidate completed.</p>"
                : Chart(Confusion(done[0], result.ClassNames)) + "<p class=\"note\">Rows: the true class; columns: the predicted one; summed over the folds.</p>");
        Section(html, "ensemble", "Ensemble", Ensemble(result));
        Section(html, "machine", "Machine and settings",
            $"<p>{Environment.ProcessorCount} cores, {E(RuntimeInformation.OSDescription)}, .NET {Environment.Version}; " +
            $"the comparison took {result.Elapsed.TotalSeconds:N0} s (refit included). Written {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC by MLNet.DeepText.</p>");
        html.Append("</body></html>");
        return html.ToString();
    }

    private static void Section(StringBuilder html, string id, string heading, string body) =>
        html.Append($"<section id=\"{id}\"><h2>{heading}</h2>{body}</section>");

    private static string Leaderboard(ModelComparisonResult result)
    {
        var s = new StringBuilder("<table><thead><tr><th>rank</th><th>model</th><th>micro-accuracy</th><th>macro-accuracy</th><th>macro-F1</th><th>log-loss</th>" +
            "<th>train s</th><th>predictions/s</th><th>size MB</th><th>parameters</th><th>status</th></tr></thead><tbody>");
        int rank = 0;
        foreach (var r in result.Leaderboard)
        {
            bool done = r.Status == CandidateStatus.Completed;
            string F(double v, string format) => done ? v.ToString(format, CultureInfo.InvariantCulture) : "";
            s.Append($"<tr{(done && rank == 0 ? " class=\"best\"" : "")}><td>{(done ? ++rank : "")}</td><td>{E(r.Candidate)}</td><td>{F(r.MicroAccuracy, "F4")}</td>" +
                $"<td>{F(r.MacroAccuracy, "F4")}</td><td>{F(r.MacroF1, "F4")}</td><td>{F(r.LogLoss, "F4")}</td><td>{F(r.TrainSeconds, "F1")}</td>" +
                $"<td>{F(r.PredictionsPerSecond, "N0")}</td><td>{F(r.ModelBytes / 1e6, "F2")}</td>" +
                $"<td>{(done && r.Parameters is { } p ? p.ToString("N0", CultureInfo.InvariantCulture) : "")}</td>" +
                $"<td>{E(r.Status + (r.Error is null ? "" : ": " + r.Error))}</td></tr>");
        }
        return s.Append("</tbody></table>").ToString();
    }

    private static GenericChart AccuracyVersusTime(List<LeaderboardRow> done)
    {
        double largest = Math.Max(1, done.Max(r => r.ModelBytes));
        var sizes = done.Select(r => (int)Math.Round(10 + 40 * Math.Sqrt(r.ModelBytes / largest)));
        var chart = PlotlyChart.Bubble<double, double, string>(done.Select(r => Math.Max(r.TrainSeconds, 0.01)), done.Select(r => r.MicroAccuracy), sizes,
            MultiText: Some<IEnumerable<string>>(done.Select(r => r.Candidate)), TextPosition: StyleParam.TextPosition.TopCenter);
        return Style(chart, "training seconds (log scale)", "micro-accuracy", logX: true);
    }

    private static GenericChart PerClassF1(List<LeaderboardRow> top, IReadOnlyList<string> classes) =>
        Style(PlotlyChart.Combine(top.Select(r => PlotlyChart.Column<double, string, string>(F1(r, classes.Count), Some<IEnumerable<string>>(classes), Name: r.Candidate))),
            "class", "F1");

    /// <summary>Per-class F1 from the confusion matrices summed over the folds (0 for a class never predicted right).</summary>
    private static double[] F1(LeaderboardRow row, int classes)
    {
        var counts = Counts(row, classes);
        return Enumerable.Range(0, classes).Select(c =>
        {
            double tp = counts[c, c], support = 0, predicted = 0;
            for (int o = 0; o < classes; o++) { support += counts[c, o]; predicted += counts[o, c]; }
            return support + predicted == 0 ? 0 : 2 * tp / (support + predicted);
        }).ToArray();
    }

    private static double[,] Counts(LeaderboardRow row, int classes)
    {
        var counts = new double[classes, classes];
        foreach (var matrix in row.FoldMetrics.Select(m => m.ConfusionMatrix))
            for (int t = 0; t < Math.Min(classes, matrix.NumberOfClasses); t++)
                for (int p = 0; p < Math.Min(classes, matrix.NumberOfClasses); p++) counts[t, p] += matrix.Counts[t][p];
        return counts;
    }

    private static GenericChart Confusion(LeaderboardRow winner, IReadOnlyList<string> classes)
    {
        var counts = Counts(winner, classes.Count);
        var z = Enumerable.Range(0, classes.Count).Select(t => Enumerable.Range(0, classes.Count).Select(p => counts[t, p])).ToArray();
        return Style(PlotlyChart.Heatmap<double, string, string, string>(z, X: Some<IEnumerable<string>>(classes), Y: Some<IEnumerable<string>>(classes), ReverseYAxis: true), "predicted class", "true class");
    }

    private static string Ensemble(ModelComparisonResult result)
    {
        var ensemble = result.Leaderboard.FirstOrDefault(r => r.EnsembleWeights is not null);
        if (ensemble is null) return "<p>No ensemble: it needs two completed candidates (and <code>BuildEnsemble</code>).</p>";
        var rows = string.Concat(ensemble.EnsembleWeights!.OrderByDescending(w => w.Value)
            .Select(w => $"<tr><td>{w.Value.ToString("P0", CultureInfo.InvariantCulture)}</td><td>{E(w.Key)}</td></tr>"));
        var best = result.Best;
        return $"<p>Weighted average of its members' class probabilities, weights chosen by greedy ensemble selection on held-out predictions " +
            $"and scored on rows they were not chosen on: micro-accuracy {ensemble.MicroAccuracy:F4}" +
            (best is not null && best != ensemble ? $" (the best single model, {E(best.Candidate)}: {best.MicroAccuracy:F4})" : "") + ".</p>" +
            $"<table><thead><tr><th>weight</th><th>member</th></tr></thead><tbody>{rows}</tbody></table>";
    }

    private static GenericChart Style(GenericChart chart, string x, string y, bool logX = false) =>
        Plotly.NET.CSharp.GenericChartExtensions.WithYAxisStyle<string, string, string>(
            Plotly.NET.CSharp.GenericChartExtensions.WithXAxisStyle<string, string, string>(
                Plotly.NET.CSharp.GenericChartExtensions.WithSize(chart, 900, 480), TitleText: x,
                AxisType: logX ? StyleParam.AxisType.Log : StyleParam.AxisType.Auto),
            TitleText: y);

    private static string Chart(GenericChart chart) => GenericChart.toChartHTML(chart);

    /// <summary>plotly.js itself (the script Plotly.NET writes into a self-contained page), once per report.</summary>
    private static readonly Lazy<string> PlotlyScript = new(() =>
    {
        var none = Microsoft.FSharp.Core.FSharpOption<string>.None;
        var options = DisplayOptions.init(none, none, none, null, null, null, Microsoft.FSharp.Core.FSharpOption<PlotlyJSReference>.Some(PlotlyJSReference.Full));
        var page = GenericChart.toEmbeddedHTML(GenericChart.setDisplayOptions(options, PlotlyChart.Point<int, int, string>([0], [0])));
        int start = page.IndexOf("<script", StringComparison.Ordinal), end = page.IndexOf("</script>", start, StringComparison.Ordinal) + "</script>".Length;
        return start >= 0 && end > start ? page[start..end] : throw new InvalidOperationException("Plotly.NET wrote no plotly.js into its page.");
    });

    private static string E(string text) => WebUtility.HtmlEncode(text);

    /// <summary>An interface-typed argument for Plotly.NET.CSharp (C# has no implicit conversion from an interface).</summary>
    private static Plotly.NET.CSharp.Optional<T> Some<T>(T value) => new(value, true);
}
