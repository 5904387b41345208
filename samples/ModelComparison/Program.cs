// Compares DeepText's models with ML.NET's classic text pipelines on any labelled text file and prints the leaderboard.
//   dotnet run --project samples/ModelComparison -c Release -- [file.tsv|file.csv] [--text Text] [--label Label]
//       [--folds K] [--minutes M] [--long] [--lightgbm]
// The file needs a header line. TSV is split on TABs without quoting (like ../shared/datasets); CSV allows quotes.
// Without a file it uses the embedded support tickets. --long adds the long-document model (texts of thousands of tokens),
// --lightgbm ML.NET's FeaturizeText + LightGbm.
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.DeepText;

string file = Path.Combine(AppContext.BaseDirectory, "tickets.csv");
var named = new Dictionary<string, string>();
for (int i = 0; i < args.Length; i++)
{
    if (args[i] is "--long" or "--lightgbm") named[args[i][2..]] = "true";
    else if (args[i].StartsWith("--") && i + 1 < args.Length) named[args[i][2..]] = args[++i];
    else file = args[i];
}
string Option(string name, string fallback) => named.GetValueOrDefault(name, fallback);

var ml = new MLContext(seed: 1);
bool tsv = file.EndsWith(".tsv", StringComparison.OrdinalIgnoreCase);
var header = File.ReadLines(file).First().Split(tsv ? '\t' : ',').Select(h => h.Trim('"')).ToArray();
var data = ml.Data.CreateTextLoader(header.Select((name, i) => new TextLoader.Column(name, DataKind.String, i)).ToArray(),
    separatorChar: tsv ? '\t' : ',', hasHeader: true, allowQuoting: !tsv).Load(file);
string text = Option("text", header.Contains("Text") ? "Text" : header[^1]);
string label = Option("label", header.Contains("Label") ? "Label" : header[0]);

var candidates = ModelCandidate.Defaults().ToList();
if (named.ContainsKey("lightgbm"))   // any ML.NET estimator can be a candidate; LightGbm comes from this sample's own package reference
    candidates.Add(ModelCandidate.Custom("FeaturizeText+LightGbm", c => c.MLContext.Transforms.Text.FeaturizeText("__Features", c.TextColumnName)
        .Append(c.MLContext.MulticlassClassification.Trainers.LightGbm(c.LabelColumnName, "__Features"))));
if (named.ContainsKey("long")) candidates.Add(ModelCandidate.LongDocument());
var options = new ModelComparisonOptions
{
    Candidates = candidates,
    NumberOfFolds = int.Parse(Option("folds", "0"), CultureInfo.InvariantCulture),
    TimeBudget = TimeSpan.FromMinutes(double.Parse(Option("minutes", "30"), CultureInfo.InvariantCulture)),
    RefitBest = false,
    Progress = new Progress<ComparisonProgress>(p => Console.Error.WriteLine(p)),
};
Console.WriteLine($"{file}: label '{label}', text '{text}'; {(options.NumberOfFolds >= 2 ? $"{options.NumberOfFolds}-fold cross-validation" : "80/20 holdout")}, " +
    $"budget {options.TimeBudget.Value.TotalMinutes} min, {Environment.ProcessorCount} cores.");
var result = ml.MulticlassClassification.CompareModels(data, text, label, options);
Console.WriteLine();
Console.WriteLine(result.ToMarkdown());
Console.WriteLine($"Compared {result.Leaderboard.Count} models in {result.Elapsed.TotalSeconds:F0} s.");
