// QuickStart: what is a definition about? 1,250 real WordNet 3.1 noun definitions in five topics (animal, body, food,
// place, plant; definitions-LICENSE.txt). CompareModels trains ML.NET's classic bag-of-words pipeline, a Transformer
// trained from scratch and a pretrained MiniLM encoder fine-tuned (shipped in a NuGet package: nothing is downloaded)
// on the same split, with live progress, and adds their weighted ensemble. The best is refitted on all rows, saved,
// reloaded in a fresh MLContext, and asked about definitions it has never seen.
using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.DeepText;
using Spectre.Console;

if (!AnsiConsole.Profile.Capabilities.Interactive) AnsiConsole.Profile.Width = 140;   // a log file: no terminal width to fit
var ml = new MLContext(seed: 1);
var data = ml.Data.LoadFromTextFile<Definition>(Path.Combine(AppContext.BaseDirectory, "definitions.tsv"), separatorChar: '\t', hasHeader: true);
var clock = Stopwatch.StartNew();
var result = LiveProgress.Run(["FeaturizeText+SdcaMaximumEntropy", "TransformerEncoder", "PretrainedTransformer"], folds: 1, live =>
    ml.MulticlassClassification.CompareModels(data, nameof(Definition.Text), nameof(Definition.Topic), new ModelComparisonOptions
    {
        Candidates =
        [
            ModelCandidate.SdcaMaximumEntropy(),
            ModelCandidate.TransformerEncoder(o => { o.MaxTokens = 64; o.Progress = live.Epochs("TransformerEncoder"); o.ProgressEverySteps = 10; }),
            PretrainedCandidates.PretrainedTransformer(o => { o.MaxTokens = 64; o.MaxEpochs = 3; o.Progress = live.Epochs("PretrainedTransformer"); o.ProgressEverySteps = 10; }),
        ],
        Progress = live.Folds,
    }));

var table = new Table().AddColumns("model", "accuracy", "macro-F1", "train s", "predictions/s");
foreach (var column in table.Columns.Skip(1)) column.RightAligned();
foreach (var r in result.Leaderboard.Where(r => r.Status == CandidateStatus.Completed))
    table.AddRow(Markup.Escape(r.EnsembleWeights is { } w ? $"{r.Candidate} ({string.Join(", ", w.Select(m => $"{m.Key} {m.Value:P0}"))})" : r.Candidate),
        $"{r.MicroAccuracy:P1}", $"{r.MacroF1:F3}", $"{r.TrainSeconds:F1}", $"{r.PredictionsPerSecond:N0}");
AnsiConsole.Write(table);
AnsiConsole.MarkupLine($"Accuracy on the held-out 20% of {result.Rows:N0} definitions. Best: [bold]{Markup.Escape(result.Best!.Candidate)}[/], refitted on all rows ({clock.Elapsed.TotalSeconds:F0} s in all).");

// Save, reload in a fresh MLContext (as another process would), and ask about new definitions: no label column needed.
var path = Path.Combine(Path.GetTempPath(), "quickstart-definitions-model.zip");
ml.Model.Save(result.BestModel, data.Schema, path);
((IDisposable)result.BestModel!).Dispose();
var serving = new MLContext();                          // nothing to register: Model.Load finds DeepText by itself
var loaded = serving.Model.Load(path, out _);
var engine = serving.Model.CreatePredictionEngine<NewText, Prediction>(loaded);
AnsiConsole.MarkupLine($"Saved to {Markup.Escape(path)} ({new FileInfo(path).Length / 1024.0 / 1024:F1} MiB), reloaded, asked about new definitions:");
string[] unseen =
[
    "a small furry pet that purrs and catches mice",
    "the organ in your chest that pumps blood around the body",
    "a sweet baked dessert made of flour, butter, eggs and sugar",
    "a tall evergreen tree with needles and cones",
    "a large port city on the coast of northern Germany",
];
foreach (var text in unseen)
{
    var p = engine.Predict(new NewText { Text = text });
    AnsiConsole.MarkupLine($"  [bold]{p.PredictedLabel,-7}[/] ({p.Score.Max():P0})  {Markup.Escape(text)}");
}
engine.Dispose();                                        // also disposes the loaded model

public sealed class Definition
{
    [LoadColumn(0)] public string Topic { get; set; } = "";
    [LoadColumn(1)] public string Text { get; set; } = "";
}

public sealed class NewText
{
    public string Text { get; set; } = "";
}

public sealed class Prediction
{
    public string PredictedLabel { get; set; } = "";
    public float[] Score { get; set; } = [];
}
