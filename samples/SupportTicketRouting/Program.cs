// Support-ticket routing, the way a business application does it: load the tickets into a DataFrame, let the
// comparison pick the best of ML.NET's classic pipelines and DeepText's models, save the winner, then (as the
// serving process would) reload it and route incoming tickets one by one.
using Microsoft.Data.Analysis;
using Microsoft.ML;
using MLNet.DeepText;

var ml = new MLContext(seed: 1);
DataFrame tickets = DataFrame.LoadCsv(Path.Combine(AppContext.BaseDirectory, "tickets.csv"));
Console.WriteLine($"{tickets.Rows.Count} tickets, queues: {string.Join(", ", tickets["Queue"].ValueCounts()["Values"].Cast<string>())}");

// 1. Compare: the same 80/20 split for every candidate. Short texts, so the deep models read at most 64 tokens.
var result = ml.MulticlassClassification.CompareModels(tickets, textColumnName: "Text", labelColumnName: "Queue", new ModelComparisonOptions
{
    Candidates =
    [
        ModelCandidate.SdcaMaximumEntropy(),
        ModelCandidate.LbfgsMaximumEntropy(),
        ModelCandidate.TransformerEncoder(o => o.MaxTokens = 64),
        ModelCandidate.CompactTransformer(o => o.MaxTokens = 64),
        // Keep ML.NET's own text preprocessing: normalized words mapped to keys feed the Transformer instead of raw text.
        ModelCandidate.Custom("ML.NET words -> TransformerEncoder", c => c.MLContext.Transforms.Text.NormalizeText("Words", c.TextColumnName)
            .Append(c.MLContext.Transforms.Text.TokenizeIntoWords("Words"))
            .Append(c.MLContext.Transforms.Conversion.MapValueToKey("Words"))
            .Append(c.MLContext.MulticlassClassification.Trainers.TransformerEncoder(new TransformerEncoderOptions
            {
                TextColumnName = "Words", LabelColumnName = c.LabelColumnName, MaxTokens = 64, CancellationToken = c.CancellationToken,
            }))),
    ],
    TimeBudget = TimeSpan.FromMinutes(5),
    Progress = new Progress<ComparisonProgress>(p => Console.WriteLine($"  {p}")),
});
Console.WriteLine();
Console.WriteLine(result.ToMarkdown());
var best = result.Best ?? throw new InvalidOperationException("No candidate finished within the time budget.");
Console.WriteLine($"Best: {best.Candidate}. Its confusion table on the held-out tickets:");
Console.WriteLine(best.FoldMetrics[0].ConfusionMatrix.GetFormattedConfusionTable());

// 2. Save the winner (refitted on all tickets).
var path = Path.Combine(Path.GetTempPath(), "ticket-router.zip");
ml.Model.Save(result.BestModel, ((IDataView)tickets).Schema, path);
(result.BestModel as IDisposable)?.Dispose();
Console.WriteLine($"Saved to {path} ({new FileInfo(path).Length / 1024.0:F0} KiB).");

// 3. The serving side: a fresh MLContext, one registration call, ML.NET's own Load, a PredictionEngine.
var serving = new MLContext();
var router = serving.Model.Load(path, out _);
using var engine = serving.Model.CreatePredictionEngine<IncomingTicket, RoutedTicket>(router);
string[] incoming =
[
    "I was charged twice for my last order, please refund one of the payments",
    "The parcel tracking page has not changed for five days",
    "I cannot log in, the password reset email never arrives",
    "The app crashes every time I open the settings page",
];
foreach (var text in incoming)
{
    var routed = engine.Predict(new IncomingTicket { Text = text });
    Console.WriteLine($"{routed.PredictedLabel,-12} ({routed.Score.Max():P0})  {text}");
}

/// <summary>A ticket to route. Queue is unknown at prediction time (the pipeline's label mapping still expects the column).</summary>
public sealed class IncomingTicket
{
    public string Queue { get; set; } = "";
    public string Text { get; set; } = "";
}

public sealed class RoutedTicket
{
    public string PredictedLabel { get; set; } = "";
    public float[] Score { get; set; } = [];
}
