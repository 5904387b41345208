// Compares DeepText's models with ML.NET's classic text pipelines (and their weighted ensemble) on any labelled text
// file, with live progress; prints the leaderboard and writes an HTML report.
//   dotnet run --project samples/ModelComparison -c Release -- [file.tsv|file.csv] [--text Text] [--label Label]
//       [--folds K] [--minutes M] [--models sdca,lbfgs,transformer,compact,staircase,longdoc,lightgbm] [--report report.html]
// The file needs a header line. TSV is split on TABs without quoting (like ../shared/datasets); CSV allows quotes.
// Without a file it uses SupportTicketRouting's real support mails. --models picks the candidates (default: SDCA, L-BFGS, the
// Transformer, the compact transformer and the staircase; longdoc is for texts of thousands of tokens, lightgbm is
// ML.NET's FeaturizeText + LightGbm from this sample's own package reference).
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.DeepText;
using Spectre.Console;

string file = Path.Combine(AppContext.BaseDirectory, "support-mail.csv");
var named = new Dictionary<string, string>();
for (int i = 0; i < args.Length; i++)
{
    if (args[i].StartsWith("--") && i + 1 < args.Length) named[args[i][2..]] = args[++i];
    else file = args[i];
}
string Option(string name, string fallback) => named.GetValueOrDefault(name, fallback);

if (!AnsiConsole.Profile.Capabilities.Interactive) AnsiConsole.Profile.Width = 160;   // a log file: no terminal width to fit
var ml = new MLContext(seed: 1);
bool tsv = file.EndsWith(".tsv", StringComparison.OrdinalIgnoreCase);
var header = File.ReadLines(file).First().Split(tsv ? '\t' : ',').Select(h => h.Trim('"')).ToArray();
var data = ml.Data.CreateTextLoader(header.Select((name, i) => new TextLoader.Column(name, DataKind.String, i)).ToArray(),
    separatorChar: tsv ? '\t' : ',', hasHeader: true, allowQuoting: !tsv).Load(file);
string text = Option("text", header.Contains("Text") ? "Text" : header[^1]);
string label = Option("label", header.Contains("Label") ? "Label" : header[0]);

// Each DeepText candidate reports its epochs (and every 10 steps within them) to its own progress bar.
LiveProgress? live = null;
ModelCandidate Deep<TOptions>(string name, Func<Action<TOptions>, ModelCandidate> make) where TOptions : DeepTextOptions =>
    make(o => { o.Progress = live?.Epochs(name); o.ProgressEverySteps = 10; });
var available = new Dictionary<string, ModelCandidate>
{
    ["sdca"] = ModelCandidate.SdcaMaximumEntropy(),
    ["lbfgs"] = ModelCandidate.LbfgsMaximumEntropy(),
    ["transformer"] = Deep<TransformerEncoderOptions>("TransformerEncoder", c => ModelCandidate.TransformerEncoder(c)),
    ["compact"] = Deep<CompactTransformerOptions>("CompactTransformer", c => ModelCandidate.CompactTransformer(c)),
    ["staircase"] = Deep<StaircaseOptions>("Staircase", c => ModelCandidate.Staircase(c)),
    ["longdoc"] = Deep<LongDocumentOptions>("LongDocument", c => ModelCandidate.LongDocument(c)),
    // Any ML.NET estimator can be a candidate; LightGbm comes from this sample's own package reference.
    ["lightgbm"] = ModelCandidate.Custom("FeaturizeText+LightGbm", c => c.MLContext.Transforms.Text.FeaturizeText("__Features", c.TextColumnName)
        .Append(c.MLContext.MulticlassClassification.Trainers.LightGbm(c.LabelColumnName, "__Features"))),
};
var chosen = Option("models", "sdca,lbfgs,transformer,compact,staircase").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
if (chosen.FirstOrDefault(m => !available.ContainsKey(m)) is { } unknown)
{
    Console.Error.WriteLine($"Unknown model '{unknown}'; choose from {string.Join(", ", available.Keys)}.");
    return 2;
}
var options = new ModelComparisonOptions
{
    Candidates = [.. chosen.Select(m => available[m])],
    NumberOfFolds = int.Parse(Option("folds", "0"), CultureInfo.InvariantCulture),
    TimeBudget = TimeSpan.FromMinutes(double.Parse(Option("minutes", "30"), CultureInfo.InvariantCulture)),
    RefitBest = false,
};
AnsiConsole.MarkupLine($"[bold]{Markup.Escape(file)}[/]: label '{Markup.Escape(label)}', text '{Markup.Escape(text)}'; " +
    $"{(options.NumberOfFolds >= 2 ? $"{options.NumberOfFolds}-fold cross-validation" : "80/20 holdout")}, budget {options.TimeBudget.Value.TotalMinutes} min, {Environment.ProcessorCount} cores.");

var result = LiveProgress.Run(options.Candidates.Select(c => c.Name), Math.Max(1, options.NumberOfFolds), progress =>
{
    live = progress;
    options.Progress = progress.Folds;
    return ml.MulticlassClassification.CompareModels(data, text, label, options);
});

var table = new Table().Border(TableBorder.Rounded).AddColumns("rank", "model", "accuracy", "macro-F1", "log-loss", "train s", "predictions/s", "size MB", "status");
foreach (var column in table.Columns.Where((_, i) => i != 1)) column.RightAligned();
int rank = 0;
foreach (var r in result.Leaderboard)
{
    bool done = r.Status == CandidateStatus.Completed;
    string F(double v, string format) => done ? v.ToString(format, CultureInfo.InvariantCulture) : "";
    string name = r.EnsembleWeights is { } weights ? $"{r.Candidate} ({string.Join(", ", weights.Select(w => $"{w.Key} {w.Value:P0}"))})" : r.Candidate;
    table.AddRow(done ? (++rank).ToString(CultureInfo.InvariantCulture) : "", Markup.Escape(name), F(r.MicroAccuracy, "F4"), F(r.MacroF1, "F4"), F(r.LogLoss, "F4"),
        F(r.TrainSeconds, "F1"), F(r.PredictionsPerSecond, "N0"), F(r.ModelBytes / 1e6, "F2"), Markup.Escape(r.Status + (r.Error is null ? "" : ": " + r.Error)));
}
AnsiConsole.Write(table);
var report = Option("report", "comparison-report.html");
result.SaveReport(report, $"Model comparison: {Path.GetFileName(file)}");
AnsiConsole.MarkupLine($"Compared {result.Leaderboard.Count} models in {result.Elapsed.TotalSeconds:F0} s. Report: [link]{Markup.Escape(Path.GetFullPath(report))}[/]");
return 0;
