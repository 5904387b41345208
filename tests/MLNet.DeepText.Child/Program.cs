// Commands run by the test suite in a child process (tests/MLNet.DeepText.Tests/ProcessTests.cs):
//   load MODEL TSV OUT [NAME]  plain `new MLContext().Model.Load` — no registration call, no DeepText type touched first —
//                           then the Score column of every row of TSV (header "Queue<TAB>Text") written to OUT. With NAME,
//                           the cl100k_base tokenizer is first registered under that name (a custom tokenizer's model).
//   exit-during-fit HOW     starts a Fit on another thread and ends the process in the middle of it:
//                           HOW = return (Main returns) or exit (Environment.Exit(0)).
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.DeepText;
using MLNet.DeepText.Text;

switch (args.FirstOrDefault())
{
    case "load" when args.Length is 4 or 5:
    {
        if (args.Length == 5) DeepTextTokenizers.Register(args[4], Microsoft.ML.Tokenizers.TiktokenTokenizer.CreateForEncoding("cl100k_base"));
        var ml = new MLContext();
        var model = ml.Model.Load(args[1], out _);
        var data = ml.Data.LoadFromTextFile(args[2], [new TextLoader.Column("Queue", DataKind.String, 0), new TextLoader.Column("Text", DataKind.String, 1)],
            separatorChar: '\t', hasHeader: true, allowQuoting: false);
        File.WriteAllLines(args[3], model.Transform(data).GetColumn<float[]>("Score")
            .Select(s => string.Join('\t', s.Select(v => v.ToString("R", CultureInfo.InvariantCulture)))));
        return 0;
    }
    case "exit-during-fit" when args.Length == 2:
    {
        var ml = new MLContext(seed: 1);
        var rng = new Random(1);
        string[] words = ["alpha", "beta", "gamma", "delta", "refund", "parcel", "crash", "login", "the", "a", "please", "help"];
        var rows = Enumerable.Range(0, 1000).Select(i => new Row
        {
            Queue = (i % 4).ToString(CultureInfo.InvariantCulture),
            Text = string.Join(' ', Enumerable.Range(0, 60).Select(_ => words[rng.Next(words.Length)])) + " " + words[4 + i % 4],
        }).ToList();
        var data = ml.Data.LoadFromEnumerable(rows);
        var started = new ManualResetEventSlim();
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label", nameof(Row.Queue))
            .Append(ml.MulticlassClassification.Trainers.TransformerEncoder(new TransformerEncoderOptions
            {
                MaxEpochs = 1000, EarlyStoppingPatience = 1000, BatchSize = 64, Seed = 1,
                Progress = new Signal(started),
            }));
        var fit = new Thread(() => pipeline.Fit(data)) { IsBackground = true };
        fit.Start();
        if (!started.Wait(TimeSpan.FromMinutes(2))) return 3;
        Thread.Sleep(300);   // well inside a later step
        Console.WriteLine("ending the process during Fit");
        if (args[1] == "exit") Environment.Exit(0);
        return 0;
    }
    default:
        Console.Error.WriteLine("usage: load MODEL TSV OUT [TOKENIZER_NAME] | exit-during-fit return|exit");
        return 2;
}

sealed class Row
{
    public string Queue { get; set; } = "";
    public string Text { get; set; } = "";
}

/// <summary>Sets the event at the first report inside an epoch.</summary>
sealed class Signal(ManualResetEventSlim started) : IProgress<MLNet.DeepText.TrainingProgress>
{
    public void Report(MLNet.DeepText.TrainingProgress value) => started.Set();
}
