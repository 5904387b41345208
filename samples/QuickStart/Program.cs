// QuickStart: route support tickets to queues with a Transformer trained from scratch, next to a compact transformer
// (CCT) and ML.NET's classic bag-of-words baseline; evaluate, save, reload in a fresh MLContext and predict.
using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.DeepText;

var ml = new MLContext(seed: 1);
var data = ml.Data.LoadFromTextFile<Ticket>(Path.Combine(AppContext.BaseDirectory, "tickets.csv"),
    separatorChar: ',', hasHeader: true, allowQuoting: true);
var split = ml.Data.TrainTestSplit(data, testFraction: 0.2, seed: 1);

// 1. The deep model: MapValueToKey → TransformerEncoder → MapKeyToValue.
var pipeline = ml.Transforms.Conversion.MapValueToKey("Label", nameof(Ticket.Queue))
    .Append(ml.MulticlassClassification.Trainers.TransformerEncoder(new TransformerEncoderOptions
    {
        TextColumnName = nameof(Ticket.Text),
        MaxTokens = 64,
        Progress = new Progress<MLNet.DeepText.TrainingProgress>(p => Console.WriteLine($"  {p}")),
    }))
    .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedQueue", "PredictedLabel"));

Console.WriteLine("Training the Transformer encoder...");
var clock = Stopwatch.StartNew();
var model = pipeline.Fit(split.TrainSet);
Console.WriteLine($"Trained in {clock.Elapsed.TotalSeconds:F1}s.");
var metrics = ml.MulticlassClassification.Evaluate(model.Transform(split.TestSet));
Console.WriteLine($"TransformerEncoder: accuracy {metrics.MicroAccuracy:P1}, macro accuracy {metrics.MacroAccuracy:P1}, log-loss {metrics.LogLoss:F3}");
Console.WriteLine(metrics.ConfusionMatrix.GetFormattedConfusionTable());

// 2. A compact convolutional transformer (CCT-2): a small model meant for small datasets.
var compact = ml.Transforms.Conversion.MapValueToKey("Label", nameof(Ticket.Queue))
    .Append(ml.MulticlassClassification.Trainers.CompactTransformer(new CompactTransformerOptions { TextColumnName = nameof(Ticket.Text), MaxTokens = 64 }))
    .Fit(split.TrainSet);
var compactMetrics = ml.MulticlassClassification.Evaluate(compact.Transform(split.TestSet));
Console.WriteLine($"CompactTransformer (CCT-2, {compact.LastTransformer.ParameterCount:N0} parameters): accuracy {compactMetrics.MicroAccuracy:P1}, log-loss {compactMetrics.LogLoss:F3}");
compact.Dispose();

// 3. ML.NET's classic baseline on the same split.
var classic = ml.Transforms.Conversion.MapValueToKey("Label", nameof(Ticket.Queue))
    .Append(ml.Transforms.Text.FeaturizeText("Features", nameof(Ticket.Text)))
    .Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy())
    .Fit(split.TrainSet);
var classicMetrics = ml.MulticlassClassification.Evaluate(classic.Transform(split.TestSet));
Console.WriteLine($"FeaturizeText + SdcaMaximumEntropy: accuracy {classicMetrics.MicroAccuracy:P1}, log-loss {classicMetrics.LogLoss:F3}");

// 4. Save, reload in a fresh MLContext (as another process would), and predict new tickets.
var path = Path.Combine(Path.GetTempPath(), "quickstart-tickets-model.zip");
ml.Model.Save(model, data.Schema, path);
Console.WriteLine($"Saved to {path} ({new FileInfo(path).Length / 1024} KiB).");

var serving = new MLContext();                          // nothing to register: Model.Load finds DeepText by itself
var loaded = serving.Model.Load(path, out _);
var engine = serving.Model.CreatePredictionEngine<Ticket, TicketPrediction>(loaded);
string[] newTickets =
[
    "I was billed two times for the same order, please give me my money back",
    "the parcel never showed up and tracking has been frozen since monday",
    "app keeps crashing right after I log in on my phone",
    "how can I change the email on my profile?",
    "the blender arrived broken, I want to send it back",
    "do you have discounts for buying 50 monitors?",
];
foreach (var text in newTickets)
{
    var p = engine.Predict(new Ticket { Text = text });
    Console.WriteLine($"  {p.PredictedQueue,-10} ({p.Score.Max():P0})  {text}");
}
engine.Dispose();                                        // also disposes the loaded model

public sealed class Ticket
{
    [LoadColumn(0)] public string Queue { get; set; } = "";
    [LoadColumn(1)] public string Text { get; set; } = "";
}

public sealed class TicketPrediction
{
    public string PredictedQueue { get; set; } = "";
    public float[] Score { get; set; } = [];
}
