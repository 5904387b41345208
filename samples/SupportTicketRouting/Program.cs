// Support-mail routing, the way a business application does it: load the mails into a DataFrame, let the comparison
// pick the best of ML.NET's classic pipelines and DeepText's models (or their weighted ensemble), save the winner, then
// (as the serving process would) reload it and route incoming mails one by one.
// The data is real: 1,084 help requests and replies sent in 2002 to five open-source projects' user lists (Linux,
// RPM packaging, the exmh mail client, the Razor spam network, SpamAssassin), rebuilt by eng/support-mail-data.py;
// licence in support-mail-LICENSE.txt.
using Microsoft.Data.Analysis;
using Microsoft.ML;
using MLNet.DeepText;

var ml = new MLContext(seed: 1);
DataFrame mails = DataFrame.LoadCsv(Path.Combine(AppContext.BaseDirectory, "support-mail.csv"));
Console.WriteLine($"{mails.Rows.Count} mails, queues: {string.Join(", ", mails["Queue"].ValueCounts()["Values"].Cast<string>())}");

// 1. Compare: the same 80/20 split for every candidate. A mail is about 100 words, so the deep models read at most
// 128 tokens (head + tail).
var result = ml.MulticlassClassification.CompareModels(mails, textColumnName: "Text", labelColumnName: "Queue", new ModelComparisonOptions
{
    Candidates =
    [
        ModelCandidate.SdcaMaximumEntropy(),
        ModelCandidate.LbfgsMaximumEntropy(),
        ModelCandidate.TransformerEncoder(o => o.MaxTokens = 128),
        ModelCandidate.CompactTransformer(o => o.MaxTokens = 128),
        // Keep ML.NET's own text preprocessing: normalized words mapped to keys feed the Transformer instead of raw text.
        ModelCandidate.Custom("ML.NET words -> TransformerEncoder", c => c.MLContext.Transforms.Text.NormalizeText("Words", c.TextColumnName)
            .Append(c.MLContext.Transforms.Text.TokenizeIntoWords("Words"))
            .Append(c.MLContext.Transforms.Conversion.MapValueToKey("Words"))
            .Append(c.MLContext.MulticlassClassification.Trainers.TransformerEncoder(new TransformerEncoderOptions
            {
                TextColumnName = "Words", LabelColumnName = c.LabelColumnName, MaxTokens = 128, CancellationToken = c.CancellationToken,
            }))),
    ],
    TimeBudget = TimeSpan.FromMinutes(5),
    Progress = new Progress<ComparisonProgress>(p => Console.WriteLine($"  {p}")),
});
Console.WriteLine();
Console.WriteLine(result.ToMarkdown());
var best = result.Best ?? throw new InvalidOperationException("No candidate finished within the time budget.");
Console.WriteLine($"Best: {best.Candidate}. Its confusion table on the held-out mails " +
    $"({string.Join(", ", result.ClassNames.Select((name, i) => $"{i} = {name}"))}):");
Console.WriteLine(best.FoldMetrics[0].ConfusionMatrix.GetFormattedConfusionTable());

// 2. Save the winner (refitted on all mails).
var path = Path.Combine(Path.GetTempPath(), "support-router.zip");
ml.Model.Save(result.BestModel, ((IDataView)mails).Schema, path);
(result.BestModel as IDisposable)?.Dispose();
Console.WriteLine($"Saved to {path} ({new FileInfo(path).Length / 1024.0:F0} KiB).");

// 3. The serving side: a fresh MLContext, ML.NET's own Load, a PredictionEngine over mails that have no queue yet.
var serving = new MLContext();
var router = serving.Model.Load(path, out _);
using var engine = serving.Model.CreatePredictionEngine<IncomingMail, RoutedMail>(router);
string[] incoming =
[
    "My sound card stopped working after I compiled a new kernel, lsmod does not show the module. Any ideas?",
    "Is there a package of the latest mplayer for Red Hat 8.0? apt-get install fails with a dependency on libdvdread.",
    "Since I upgraded to nmh the sequences window is empty and the folder list does not show unseen messages.",
    "razor-report says my identity is not registered. How do I create an account before reporting spam?",
    "spamd keeps scoring every mail 0 and the X-Spam-Status header never shows up when procmail calls spamc.",
];
foreach (var text in incoming)
{
    var routed = engine.Predict(new IncomingMail { Text = text });
    Console.WriteLine($"{routed.PredictedLabel,-13} ({routed.Score.Max():P0})  {text}");
}

/// <summary>An incoming mail to route: only its text is known.</summary>
public sealed class IncomingMail
{
    public string Text { get; set; } = "";
}

public sealed class RoutedMail
{
    public string PredictedLabel { get; set; } = "";
    public float[] Score { get; set; } = [];
}
