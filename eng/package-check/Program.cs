// The consumer app of eng/package-check.sh (copied into a fresh project that references the packed package).
//   train MODEL SCORES   trains a tiny Transformer on made-up tickets, saves MODEL, writes the test scores
//   load MODEL SCORES    a plain Model.Load (nothing registered), writes the test scores
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.DeepText;

var ml = new MLContext(seed: 1);
string[][] keywords = [["invoice", "refund", "charge"], ["parcel", "courier", "tracking"], ["crash", "error", "freeze"]];
string[] filler = ["the", "my", "please", "help", "today", "again", "order", "still"];
List<Ticket> Tickets(int n, int seed)
{
    var rng = new Random(seed);
    return Enumerable.Range(0, n).Select(_ =>
    {
        int c = rng.Next(3);
        var words = Enumerable.Range(0, 8).Select(_ => filler[rng.Next(filler.Length)]).Append(keywords[c][rng.Next(3)]).OrderBy(_ => rng.Next());
        return new Ticket { Queue = c.ToString(CultureInfo.InvariantCulture), Text = string.Join(' ', words) };
    }).ToList();
}
var test = ml.Data.LoadFromEnumerable(Tickets(60, 2));
ITransformer model;
if (args[0] == "train")
{
    var pipeline = ml.Transforms.Conversion.MapValueToKey("Label", "Queue")
        .Append(ml.MulticlassClassification.Trainers.TransformerEncoder(new TransformerEncoderOptions
        {
            Width = 32, NumberOfLayers = 1, NumberOfHeads = 2, MlpRatio = 2, MaxEpochs = 20, LearningRate = 3e-3, MinTokenCount = 1, Seed = 1,
        }));
    var train = ml.Data.LoadFromEnumerable(Tickets(300, 1));
    model = pipeline.Fit(train);
    double accuracy = ml.MulticlassClassification.Evaluate(model.Transform(test)).MicroAccuracy;
    Console.WriteLine($"package-check app: trained, test accuracy {accuracy:F3}");
    if (accuracy < 0.8) return 1;   // chance is 0.33
    ml.Model.Save(model, train.Schema, args[1]);
}
else
{
    model = new MLContext().Model.Load(args[1], out _);
}
File.WriteAllLines(args[2], model.Transform(test).GetColumn<float[]>("Score").Select(s => string.Join(' ', s.Select(v => v.ToString("R", CultureInfo.InvariantCulture)))));
return 0;

public sealed class Ticket
{
    public string Queue { get; set; } = "";
    public string Text { get; set; } = "";
}
